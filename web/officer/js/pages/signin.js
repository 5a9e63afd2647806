// Officer sign-in (officer user pool). Accounts are created by the administrator; no sign-up here.

import { getConfig, signIn } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, L, t } from "../../../js/core/i18n.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, errorSummary, labelled, setTitle, whileBusy } from "../../../js/core/ui.js";
import { forgetOfficer, session, SITE } from "../state.js";

addMessages({
  "o.signin.title": { th: "เข้าสู่ระบบเจ้าหน้าที่", en: "Officer sign-in" },
  "o.signin.intro": {
    th: "สำหรับเจ้าหน้าที่ที่ได้รับมอบหมายเท่านั้น บัญชีสร้างโดยผู้ดูแลระบบ",
    en: "For assigned officers only. Accounts are created by the administrator.",
  },
  "o.signin.busy": { th: "กำลังเข้าสู่ระบบ…", en: "Signing in…" },
});

export function signInPage({ view, query }) {
  setTitle(t("o.signin.title"), L(SITE));
  const email = labelled({
    label: t("auth.email"),
    input: h("input", { type: "email", name: "email", autocomplete: "username", spellcheck: "false" }),
    required: true,
  });
  const password = labelled({
    label: t("auth.password"),
    input: h("input", { type: "password", name: "password", autocomplete: "current-password" }),
    required: true,
  });
  const messages = h("div");
  const submit = h("button", { type: "submit", class: "primary" }, t("auth.signin"));
  const next = (query.get("next") || "").startsWith("#/") && !query.get("next").startsWith("#/signin") ? query.get("next") : "#/";
  replace(
    view,
    h("h1", {}, t("o.signin.title")),
    h("p", {}, t("o.signin.intro")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          const problems = [];
          email.setError("");
          password.setError("");
          if (!email.input.value.trim()) problems.push([email, t("field.required"), t("auth.email")]);
          if (!password.input.value) problems.push([password, t("field.required"), t("auth.password")]);
          if (problems.length) {
            problems.forEach(([field, text]) => field.setError(text));
            const summary = errorSummary(problems.map(([field, text, name]) => ({ text: `${name}: ${text}`, target: field.input })));
            replace(messages, summary);
            summary.focus();
            return;
          }
          whileBusy(submit, t("o.signin.busy"), async () => {
            try {
              const token = await signIn(getConfig().officer.clientId, email.input.value.trim(), password.input.value);
              session.save(token);
              forgetOfficer();
              navigate(next, { replace: true });
            } catch (error) {
              replace(messages, alertBox(error));
            }
          });
        },
      },
      email.wrapper,
      password.wrapper,
      h("div", { class: "actions" }, submit),
    ),
  );
}
