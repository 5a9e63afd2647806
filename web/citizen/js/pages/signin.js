// Sign in and sign up (Q2.1, Q2.2) against the citizen user pool.

import { cognito, getConfig, signIn } from "../core/api.js";
import { h, replace } from "../core/dom.js";
import { addMessages, L, t } from "../core/i18n.js";
import { navigate } from "../core/router.js";
import { alertBox, errorSummary, errorText, labelled, notice, setTitle, whileBusy } from "../core/ui.js";
import { session, SITE } from "../state.js";
import { federationProblem, providerButtons } from "../federation.js";

addMessages({
  "signin.title": { th: "เข้าสู่ระบบ", en: "Sign in" },
  "signin.intro": {
    th: "เข้าสู่ระบบเพื่อยื่นคำขอ บันทึกแบบร่าง และติดตามคำขอของท่าน",
    en: "Sign in to apply, keep drafts and follow your requests.",
  },
  "signin.busy": { th: "กำลังเข้าสู่ระบบ…", en: "Signing in…" },
  "signin.no_account": { th: "ยังไม่มีบัญชี?", en: "No account yet?" },
  "signin.to_signup": { th: "สมัครสมาชิก", en: "Create an account" },
  "signup.title": { th: "สมัครสมาชิก", en: "Create an account" },
  "signup.intro": {
    th: "ใช้อีเมลของท่านเป็นชื่อผู้ใช้ ระบบจะส่งรหัสยืนยันไปที่อีเมลนี้",
    en: "Your e-mail is your user name; we send a confirmation code to it.",
  },
  "signup.password.help": {
    th: "อย่างน้อย 8 ตัว มีตัวพิมพ์ใหญ่ ตัวพิมพ์เล็ก ตัวเลข และสัญลักษณ์ เช่น # หรือ !",
    en: "At least 8 characters with upper- and lower-case letters, a digit and a symbol such as # or !",
  },
  "signup.submit": { th: "สมัครสมาชิก", en: "Create account" },
  "signup.busy": { th: "กำลังสมัคร…", en: "Creating…" },
  "signup.code": { th: "รหัสยืนยันจากอีเมล", en: "Confirmation code from the e-mail" },
  "signup.code.help": { th: "ตัวเลข 6 หลักที่ส่งไปยัง {email}", en: "The 6-digit code sent to {email}" },
  "signup.confirm": { th: "ยืนยันบัญชี", en: "Confirm account" },
  "signup.sent": { th: "ส่งรหัสยืนยันไปที่ {email} แล้ว", en: "We sent a confirmation code to {email}." },
  "signup.has_account": { th: "มีบัญชีแล้ว?", en: "Already have an account?" },
  "signup.password.short": { th: "รหัสผ่านต้องมีอย่างน้อย 8 ตัว", en: "The password needs at least 8 characters." },
});

addMessages({
  "reauth.title": { th: "ยืนยันตัวตนอีกครั้ง", en: "Confirm it is you" },
  "reauth.intro": {
    th: "เพื่อความปลอดภัย การถอนคำขอต้องยืนยันตัวตนอีกครั้ง กรุณากรอกรหัสผ่าน หรือเข้าสู่ระบบด้วย ThaID อีกครั้ง ข้อความที่ท่านพิมพ์ไว้จะยังอยู่",
    en: "For your safety, withdrawing needs you to confirm who you are: enter your password, or sign in with ThaID again. What you typed is kept.",
  },
  "reauth.submit": { th: "ยืนยันตัวตน", en: "Confirm" },
  "reauth.cancel": { th: "ยกเลิกและกลับไปหน้าคำขอ", en: "Cancel and go back to the request" },
  "forgot.link": { th: "ลืมรหัสผ่าน?", en: "Forgot your password?" },
  "forgot.title": { th: "ตั้งรหัสผ่านใหม่", en: "Set a new password" },
  "forgot.intro": {
    th: "กรอกอีเมลที่ใช้สมัคร ระบบจะส่งรหัส 6 หลักไปที่อีเมลนี้เพื่อตั้งรหัสผ่านใหม่",
    en: "Enter the e-mail you signed up with; we send a 6-digit code to it so you can set a new password.",
  },
  "forgot.send": { th: "ส่งรหัส", en: "Send the code" },
  "forgot.sending": { th: "กำลังส่ง…", en: "Sending…" },
  "forgot.sent": {
    th: "หากอีเมล {email} มีบัญชีอยู่ ระบบได้ส่งรหัสไปแล้ว (ใช้ได้ 1 ชั่วโมง)",
    en: "If {email} has an account, we have sent it a code (valid for one hour).",
  },
  "forgot.code": { th: "รหัสจากอีเมล", en: "Code from the e-mail" },
  "forgot.new_password": { th: "รหัสผ่านใหม่", en: "New password" },
  "forgot.save": { th: "ตั้งรหัสผ่านใหม่และเข้าสู่ระบบ", en: "Set the new password and sign in" },
  "forgot.saving": { th: "กำลังบันทึก…", en: "Saving…" },
  "forgot.again": { th: "ขอรหัสใหม่", en: "Send a new code" },
});

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function nextHash(query) {
  const next = query.get("next") || "";
  // Only a route of this site, never an outside address.
  return next.startsWith("#/") && !next.startsWith("#/signin") && !next.startsWith("#/signup") ? next : "#/requests";
}

function credentialsFields({ newPassword = false } = {}) {
  const email = labelled({
    label: t("auth.email"),
    input: h("input", { type: "email", name: "email", autocomplete: "username", required: true, spellcheck: "false" }),
    required: true,
  });
  const password = labelled({
    label: t("auth.password"),
    input: h("input", {
      type: "password", name: "password", required: true,
      autocomplete: newPassword ? "new-password" : "current-password",
    }),
    help: newPassword ? t("signup.password.help") : null,
    required: true,
  });
  return { email, password };
}

function checkCredentials(email, password, { newPassword = false } = {}) {
  const problems = [];
  email.setError("");
  password.setError("");
  if (!email.input.value.trim()) problems.push([email, t("field.required"), t("auth.email")]);
  else if (!EMAIL.test(email.input.value.trim())) problems.push([email, t("field.email"), t("auth.email")]);
  if (!password.input.value) problems.push([password, t("field.required"), t("auth.password")]);
  else if (newPassword && password.input.value.length < 8) problems.push([password, t("signup.password.short"), t("auth.password")]);
  for (const [field, message] of problems) field.setError(message);
  return problems;
}

function showProblems(slot, problems) {
  const summary = errorSummary(problems.map(([field, text, name]) => ({ text: name ? `${name}: ${text}` : text, target: field.input })));
  replace(slot, summary);
  summary.focus();
}

export function signInPage({ view, query, reason }) {
  if (query.get("reauth")) {
    reauthenticate({ view, query, reason });
    return;
  }
  if (session.token()) {
    // Already signed in (e.g. back from a provider to this page): on to where the person was going.
    navigate(nextHash(query), { replace: true });
    return;
  }
  if (query.get("reset")) {
    forgotPassword({ view, query, reason });
    return;
  }
  setTitle(t("signin.title"), L(SITE));
  const { email, password } = credentialsFields();
  const messages = h("div");
  const problem = federationProblem(reason);
  if (problem) messages.append(problem);
  const showError = (error) => {
    replace(messages, alertBox(error));
    messages.querySelector("[role=alert]")?.focus?.();
  };
  const submit = h("button", { type: "submit", class: "primary" }, t("auth.signin"));
  const form = h(
    "form",
    {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const problems = checkCredentials(email, password);
        if (problems.length) return showProblems(messages, problems);
        replace(messages);
        await whileBusy(submit, t("signin.busy"), async () => {
          try {
            const token = await signIn(getConfig().citizen.clientId, email.input.value.trim(), password.input.value);
            session.save(token);
            navigate(nextHash(query), { replace: true });
          } catch (error) {
            if (error.code === "UserNotConfirmedException") {
              navigate(`#/signup?confirm=${encodeURIComponent(email.input.value.trim())}&next=${encodeURIComponent(nextHash(query))}`);
              return;
            }
            showError(error);
          }
        });
      },
    },
    email.wrapper,
    password.wrapper,
    h("div", { class: "actions" }, submit),
  );
  replace(
    view,
    h("h1", {}, t("signin.title")),
    h("p", {}, t("signin.intro")),
    messages,
    providerButtons(showError),
    form,
    h("p", {}, h("a", { href: `#/signin?reset=1&next=${encodeURIComponent(nextHash(query))}`, id: "forgot-link" }, t("forgot.link"))),
    h("p", {}, `${t("signin.no_account")} `,
      h("a", { href: `#/signup?next=${encodeURIComponent(nextHash(query))}` }, t("signin.to_signup"))),
  );
}

/** Whether this tab's sign-in (the ID token's auth_time) happened within the last `seconds`. */
function signedInWithin(seconds) {
  const token = session.token();
  if (!token) return false;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")));
    return Number.isFinite(claims.auth_time) && Date.now() / 1000 - claims.auth_time < seconds;
  } catch {
    return false;
  }
}

/**
 * A fresh sign-in for a high-risk act (withdrawal, R-3.4): even when signed in, the password (or the
 * identity provider, told prompt=login) is asked again; then back to where the act waits.
 */
function reauthenticate({ view, query, reason }) {
  // Back from the identity provider with a sign-in of a moment ago: on to the act that asked for it.
  if (signedInWithin(120)) {
    navigate(nextHash(query), { replace: true });
    return;
  }
  setTitle(t("reauth.title"), L(SITE));
  const who = session.user();
  const { email, password } = credentialsFields();
  if (who?.email) {
    email.input.value = who.email;
    email.input.readOnly = true;
  }
  const messages = h("div");
  const problem = federationProblem(reason);
  if (problem) messages.append(problem);
  const showError = (error) => {
    replace(messages, alertBox(error));
    messages.querySelector("[role=alert]")?.focus?.();
  };
  const submit = h("button", { type: "submit", class: "primary", id: "reauth-submit" }, t("reauth.submit"));
  replace(
    view,
    h("h1", {}, t("reauth.title")),
    h("p", {}, t("reauth.intro")),
    messages,
    providerButtons(showError, { reauthenticate: true }),
    h("form", {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const problems = checkCredentials(email, password);
        if (problems.length) return showProblems(messages, problems);
        replace(messages);
        await whileBusy(submit, t("signin.busy"), async () => {
          try {
            session.save(await signIn(getConfig().citizen.clientId, email.input.value.trim(), password.input.value));
            navigate(nextHash(query), { replace: true });
          } catch (error) {
            showError(error);
          }
        });
      },
    }, email.wrapper, password.wrapper, h("div", { class: "actions" }, submit)),
    h("p", {}, h("a", { href: nextHash(query) }, t("reauth.cancel"))),
  );
}

/** Cognito's answers that belong to one field: shown on that field and linked from the summary. */
const FIELD_OF_ERROR = {
  InvalidPasswordException: "password",
  CodeMismatchException: "code",
  ExpiredCodeException: "code",
  UsernameExistsException: "email",
};

function showCognitoError(slot, error, fields, names) {
  const name = FIELD_OF_ERROR[error.code];
  const field = name ? fields[name] : null;
  if (!field) {
    replace(slot, alertBox(error));
    slot.querySelector("[role=alert]")?.focus?.();
    return;
  }
  field.setError(errorText(error));
  showProblems(slot, [[field, errorText(error), names[name]]]);
}

// The address a reset code went to, so a language switch on the code step stays on it.
let resetAddress = null;

/** "Forgot password" (ForgotPassword, then ConfirmForgotPassword with the mailed code), then signed in. */
function forgotPassword({ view, query, reason }) {
  setTitle(t("forgot.title"), L(SITE));
  const next = nextHash(query);
  const clientId = () => getConfig().citizen.clientId;
  const messages = h("div");
  const { email } = credentialsFields();
  const send = h("button", { type: "submit", class: "primary", id: "forgot-send" }, t("forgot.send"));

  function codeStep(address) {
    resetAddress = address;
    const code = labelled({
      label: t("forgot.code"),
      input: h("input", { type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code", class: "short", required: true }),
      required: true,
    });
    const password = labelled({
      label: t("forgot.new_password"),
      input: h("input", { type: "password", name: "new_password", autocomplete: "new-password", required: true }),
      help: t("signup.password.help"),
      required: true,
    });
    const save = h("button", { type: "submit", class: "primary", id: "forgot-save" }, t("forgot.save"));
    const again = h("button", { type: "button", class: "link", id: "forgot-again" }, t("forgot.again"));
    const names = { code: t("forgot.code"), password: t("forgot.new_password") };
    again.addEventListener("click", () => whileBusy(again, t("forgot.sending"), async () => {
      try {
        await cognito("ForgotPassword", { ClientId: clientId(), Username: address });
        replace(messages, notice(t("forgot.sent", { email: address })));
      } catch (error) {
        showCognitoError(messages, error, {}, names);
      }
    }));
    const sent = notice(t("forgot.sent", { email: address }));
    replace(
      view,
      h("h1", {}, t("forgot.title")),
      messages,
      h("form", {
        novalidate: true,
        id: "forgot-form",
        onsubmit: async (event) => {
          event.preventDefault();
          code.setError("");
          password.setError("");
          const problems = [];
          if (!code.input.value.trim()) problems.push([code, t("field.required"), names.code]);
          if (!password.input.value) problems.push([password, t("field.required"), names.password]);
          else if (password.input.value.length < 8) problems.push([password, t("signup.password.short"), names.password]);
          if (problems.length) {
            problems.forEach(([field, text]) => field.setError(text));
            return showProblems(messages, problems);
          }
          replace(messages);
          await whileBusy(save, t("forgot.saving"), async () => {
            try {
              await cognito("ConfirmForgotPassword", {
                ClientId: clientId(), Username: address, ConfirmationCode: code.input.value.trim(), Password: password.input.value,
              });
              resetAddress = null;
              session.save(await signIn(clientId(), address, password.input.value));
              navigate(next, { replace: true });
            } catch (error) {
              showCognitoError(messages, error, { code, password }, names);
            }
          });
        },
      },
      sent,
      code.wrapper,
      password.wrapper,
      h("div", { class: "actions" }, save, again)),
    );
    code.input.focus();
  }

  if (reason === "language" && resetAddress) {
    codeStep(resetAddress);
    return;
  }
  resetAddress = null;
  replace(
    view,
    h("h1", {}, t("forgot.title")),
    h("p", {}, t("forgot.intro")),
    messages,
    h("form", {
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        email.setError("");
        const address = email.input.value.trim();
        if (!address || !EMAIL.test(address)) {
          const text = address ? t("field.email") : t("field.required");
          email.setError(text);
          return showProblems(messages, [[email, text, t("auth.email")]]);
        }
        await whileBusy(send, t("forgot.sending"), async () => {
          try {
            await cognito("ForgotPassword", { ClientId: clientId(), Username: address });
            codeStep(address);
          } catch (error) {
            showCognitoError(messages, error, { email }, { email: t("auth.email") });
          }
        });
      },
    }, email.wrapper, h("div", { class: "actions" }, send)),
    h("p", {}, h("a", { href: `#/signin?next=${encodeURIComponent(next)}` }, t("auth.signin"))),
  );
}

export function signUpPage({ view, query }) {
  setTitle(t("signup.title"), L(SITE));
  const next = nextHash(query);
  const pending = query.get("confirm");
  const messages = h("div");
  const clientId = () => getConfig().citizen.clientId;

  function showConfirmStep(emailAddress, password) {
    const code = labelled({
      label: t("signup.code"),
      input: h("input", { type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code", class: "short", required: true }),
      help: t("signup.code.help", { email: emailAddress }),
      required: true,
    });
    // Without the password (came from the sign-in page) the person signs in again after confirming.
    const passwordField = password ? null : credentialsFields().password;
    const confirm = h("button", { type: "submit", class: "primary" }, t("signup.confirm"));
    replace(
      view,
      h("h1", {}, t("signup.title")),
      notice(t("signup.sent", { email: emailAddress })),
      messages,
      h(
        "form",
        {
          novalidate: true,
          onsubmit: async (event) => {
            event.preventDefault();
            code.setError("");
            if (!code.input.value.trim()) {
              code.setError(t("field.required"));
              return showProblems(messages, [[code, t("field.required"), t("signup.code")]]);
            }
            await whileBusy(confirm, t("signup.busy"), async () => {
              try {
                await cognito("ConfirmSignUp", {
                  ClientId: clientId(), Username: emailAddress, ConfirmationCode: code.input.value.trim(),
                });
                const secret = password || passwordField.input.value;
                session.save(await signIn(clientId(), emailAddress, secret));
                navigate(next, { replace: true });
              } catch (error) {
                showCognitoError(messages, error, { code }, { code: t("signup.code") });
              }
            });
          },
        },
        code.wrapper,
        passwordField ? passwordField.wrapper : null,
        h("div", { class: "actions" }, confirm),
      ),
    );
  }

  if (pending) {
    showConfirmStep(pending, null);
    return;
  }

  const { email, password } = credentialsFields({ newPassword: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("signup.submit"));
  replace(
    view,
    h("h1", {}, t("signup.title")),
    h("p", {}, t("signup.intro")),
    messages,
    h(
      "form",
      {
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          const problems = checkCredentials(email, password, { newPassword: true });
          if (problems.length) return showProblems(messages, problems);
          replace(messages);
          const address = email.input.value.trim();
          const secret = password.input.value;
          await whileBusy(submit, t("signup.busy"), async () => {
            try {
              const answer = await cognito("SignUp", {
                ClientId: clientId(),
                Username: address,
                Password: secret,
                UserAttributes: [{ Name: "email", Value: address }],
              });
              // Some pools confirm at once (or the local stack does): then sign in straight away.
              if (answer.UserConfirmed) {
                session.save(await signIn(clientId(), address, secret));
                navigate(next, { replace: true });
                return;
              }
              try {
                session.save(await signIn(clientId(), address, secret));
                navigate(next, { replace: true });
              } catch {
                showConfirmStep(address, secret);
              }
            } catch (error) {
              showCognitoError(messages, error, { email, password }, { email: t("auth.email"), password: t("auth.password") });
            }
          });
        },
      },
      email.wrapper,
      password.wrapper,
      h("div", { class: "actions" }, submit),
    ),
    h("p", {}, `${t("signup.has_account")} `, h("a", { href: `#/signin?next=${encodeURIComponent(next)}` }, t("auth.signin"))),
  );
}
