// Officer sign-in (officer user pool). Accounts are created by the administrator with a temporary
// password; no sign-up here. The pool requires TOTP, so Cognito answers with challenges, each a step
// of this page: NEW_PASSWORD_REQUIRED (first sign-in: choose a password), MFA_SETUP (first sign-in:
// add the account to an authenticator app, then confirm with a code) and SOFTWARE_TOKEN_MFA (every
// sign-in: the 6-digit code from the app).

import { CognitoError, cognito, getConfig, localError } from "../../../js/core/api.js";
import { h, replace } from "../../../js/core/dom.js";
import { addMessages, both, L, t } from "../../../js/core/i18n.js";
import { navigate } from "../../../js/core/router.js";
import { alertBox, errorSummary, labelled, notice, setTitle, whileBusy } from "../../../js/core/ui.js";
import { forgetOfficer, session, SITE } from "../state.js";

addMessages({
  "o.signin.title": { th: "เข้าสู่ระบบเจ้าหน้าที่", en: "Officer sign-in" },
  "o.signin.intro": {
    th: "สำหรับเจ้าหน้าที่ที่ได้รับมอบหมายเท่านั้น บัญชีสร้างโดยผู้ดูแลระบบ",
    en: "For assigned officers only. Accounts are created by the administrator.",
  },
  "o.signin.busy": { th: "กำลังเข้าสู่ระบบ…", en: "Signing in…" },
  "o.newpw.title": { th: "ตั้งรหัสผ่านใหม่", en: "Choose your password" },
  "o.newpw.intro": {
    th: "นี่คือการเข้าสู่ระบบครั้งแรกด้วยรหัสผ่านชั่วคราวจากผู้ดูแลระบบ กรุณาตั้งรหัสผ่านของท่านเอง",
    en: "This is your first sign-in with the administrator's temporary password. Please choose your own password.",
  },
  "o.newpw.field": { th: "รหัสผ่านใหม่", en: "New password" },
  "o.newpw.again": { th: "ยืนยันรหัสผ่านใหม่", en: "New password again" },
  "o.newpw.help": {
    th: "อย่างน้อย 12 ตัว มีตัวพิมพ์ใหญ่ ตัวพิมพ์เล็ก ตัวเลข และสัญลักษณ์ เช่น # หรือ !",
    en: "At least 12 characters with upper- and lower-case letters, a digit and a symbol such as # or !",
  },
  "o.newpw.short": { th: "รหัสผ่านต้องมีอย่างน้อย 12 ตัว", en: "The password needs at least 12 characters." },
  "o.newpw.mismatch": { th: "รหัสผ่านทั้งสองช่องไม่ตรงกัน", en: "The two passwords differ." },
  "o.newpw.submit": { th: "ตั้งรหัสผ่าน", en: "Set password" },
  "o.newpw.rules": {
    th: "รหัสผ่านไม่ตรงตามเงื่อนไข: อย่างน้อย 12 ตัว มีตัวพิมพ์ใหญ่ ตัวพิมพ์เล็ก ตัวเลข และสัญลักษณ์",
    en: "The password does not meet the rules: at least 12 characters with upper- and lower-case letters, a digit and a symbol.",
  },
  "o.totp.setup.title": { th: "ตั้งค่าการยืนยันตัวตนสองขั้นตอน", en: "Set up two-step verification" },
  "o.totp.setup.intro": {
    th: "บัญชีเจ้าหน้าที่ต้องใช้รหัสจากแอปยืนยันตัวตน (เช่น Google Authenticator, Microsoft Authenticator, FreeOTP) ทุกครั้งที่เข้าสู่ระบบ",
    en: "Officer accounts need a code from an authenticator app (such as Google Authenticator, Microsoft Authenticator or FreeOTP) at every sign-in.",
  },
  "o.totp.setup.step1": {
    th: "1. ในแอป เลือกเพิ่มบัญชีด้วยการพิมพ์รหัสลับ (ชนิดตามเวลา) แล้วพิมพ์รหัสลับนี้:",
    en: "1. In the app, add an account by typing its secret key (time-based), and type this key:",
  },
  "o.totp.setup.secret": { th: "รหัสลับ", en: "Secret key" },
  "o.totp.setup.link": {
    th: "หรือเปิดลิงก์นี้บนอุปกรณ์ที่มีแอปยืนยันตัวตน",
    en: "Or open this link on the device that has the authenticator app",
  },
  "o.totp.setup.step2": {
    th: "2. พิมพ์รหัส 6 หลักที่แอปแสดงเพื่อยืนยัน",
    en: "2. Type the 6-digit code the app shows, to confirm.",
  },
  "o.totp.setup.keep": {
    th: "อย่าแบ่งปันรหัสลับนี้กับผู้ใด ผู้ที่มีรหัสลับจะสร้างรหัสเข้าสู่ระบบของท่านได้",
    en: "Never share this key: whoever has it can make your sign-in codes.",
  },
  "o.totp.setup.submit": { th: "ยืนยันและเข้าสู่ระบบ", en: "Confirm and sign in" },
  "o.totp.title": { th: "รหัสยืนยันตัวตน", en: "Verification code" },
  "o.totp.intro": {
    th: "เปิดแอปยืนยันตัวตนของท่าน แล้วพิมพ์รหัส 6 หลักของบัญชีนี้",
    en: "Open your authenticator app and type this account's 6-digit code.",
  },
  "o.totp.field": { th: "รหัส 6 หลักจากแอปยืนยันตัวตน", en: "6-digit code from the authenticator app" },
  "o.totp.format": { th: "กรุณาพิมพ์ตัวเลข 6 หลัก", en: "Type the 6 digits." },
  "o.totp.submit": { th: "ยืนยัน", en: "Verify" },
  "o.totp.wrong": {
    th: "รหัสไม่ถูกต้องหรือหมดเวลาแล้ว กรุณาพิมพ์รหัสล่าสุดที่แอปแสดง",
    en: "The code is wrong or has expired. Type the current code the app shows.",
  },
  "o.session.expired": {
    th: "หมดเวลาหรือพยายามหลายครั้งเกินไป กรุณาเข้าสู่ระบบใหม่อีกครั้ง",
    en: "This sign-in has expired or had too many attempts. Please sign in again.",
  },
  "o.signin.again": { th: "เข้าสู่ระบบใหม่", en: "Sign in again" },
  // Issue 14: the cell's officer pool issues no tokens through this agency's sign-in to anyone who is not its
  // officer (its pre token generation trigger); Cognito answers with the trigger's code.
  "auth.other_agency": {
    th: "บัญชีนี้ไม่ใช่บัญชีเจ้าหน้าที่ของหน่วยงานนี้ จึงเข้าสู่ระบบที่นี่ไม่ได้ กรุณาเข้าสู่ระบบที่เว็บไซต์ของหน่วยงานของท่าน "
      + "หากท่านเป็นเจ้าหน้าที่ของหน่วยงานนี้ กรุณาขอให้ผู้ดูแลระบบเพิ่มบัญชีของท่านในกลุ่มงาน",
    en: "This account is not an officer account of this agency, so it cannot sign in here. Sign in on your own "
      + "agency's site. If you are an officer of this agency, ask the administrator to add your account to a group.",
  },
  "auth.unknown_client": {
    th: "หน้าเข้าสู่ระบบนี้ยังไม่ได้ผูกกับหน่วยงานใด จึงเข้าสู่ระบบไม่ได้ กรุณาแจ้งผู้ดูแลระบบ",
    en: "This sign-in page is not linked to an agency, so nobody can sign in here. Please tell the administrator.",
  },
});

// Refusals of the pool's token trigger: they come at the last step, and no step can go on from there.
const REFUSALS = new Set(["auth.other_agency", "auth.unknown_client"]);

const CODE = /^\d{6}$/;

// The challenge step on screen ([name, arguments]), kept so that a language switch shows the same step
// again (Cognito's session stays valid for three minutes) rather than the first one.
let pendingStep = null;
// A refusal of the pool's token trigger on screen, kept so that a language switch says it again in the other
// language (the first step is drawn anew and has no other trace of it).
let shownRefusal = null;

/** The secret key in groups of four, as authenticator apps show keys to type. */
export function groupedSecret(secret) {
  return secret.replace(/\s+/g, "").match(/.{1,4}/g).join(" ");
}

/** The otpauth:// URI authenticator apps read (Key Uri Format): issuer, account, secret. */
export function otpauthUri(secret, account, issuer) {
  const label = encodeURIComponent(`${issuer}:${account}`);
  const query = new URLSearchParams({ secret, issuer, algorithm: "SHA1", digits: "6", period: "30" });
  return `otpauth://totp/${label}?${query}`;
}

function nextHash(query) {
  const next = query.get("next") || "";
  return next.startsWith("#/") && !next.startsWith("#/signin") ? next : "#/";
}

export function signInPage({ view, query, reason }) {
  setTitle(t("o.signin.title"), L(SITE));
  const next = nextHash(query);
  const clientId = () => getConfig().officer.clientId;
  const messages = h("div");

  function show(title, intro, ...content) {
    setTitle(title, L(SITE));
    replace(view, h("h1", {}, title), intro ? h("p", {}, intro) : null, messages, ...content);
    view.querySelector("input")?.focus();
  }

  function fail(error) {
    replace(messages, alertBox(error));
    messages.querySelector("[role=alert]")?.focus?.();
  }

  function problems(list) {
    list.forEach(([field, text]) => field.setError(text));
    const summary = errorSummary(list.map(([field, text, name]) => ({ text: `${name}: ${text}`, target: field.input })));
    replace(messages, summary);
    summary.focus();
  }

  /** The pool refused this account here (another agency's officer): back to the first step, saying why. */
  function refusedHere(error) {
    if (!REFUSALS.has(error.code)) return false;
    credentialsStep();
    fail(error);
    shownRefusal = error;
    return true;
  }

  /** A session that Cognito no longer accepts: back to the first step, saying why. */
  function sessionLost() {
    credentialsStep();
    fail(localError("auth.session_expired", "o.session.expired"));
  }

  /** Where Cognito's answer leads: tokens (done) or the next challenge. */
  function proceed(answer, email) {
    replace(messages);
    pendingStep = null;
    shownRefusal = null;
    if (answer.AuthenticationResult?.IdToken) {
      session.save(answer.AuthenticationResult);
      forgetOfficer();
      navigate(next, { replace: true });
      return;
    }
    const steps = {
      NEW_PASSWORD_REQUIRED: newPasswordStep,
      MFA_SETUP: mfaSetupStep,
      SOFTWARE_TOKEN_MFA: totpStep,
    };
    const step = steps[answer.ChallengeName];
    if (!step) {
      credentialsStep();
      fail(new CognitoError(0, answer.ChallengeName || "challenge", both("auth.challenge")));
      return;
    }
    step(answer.Session, answer.ChallengeParameters?.USERNAME || email);
  }

  function codeField() {
    return labelled({
      label: t("o.totp.field"),
      input: h("input", {
        type: "text", name: "code", inputmode: "numeric", autocomplete: "one-time-code",
        pattern: "[0-9]{6}", maxlength: "6", class: "short", spellcheck: "false",
      }),
      required: true,
    });
  }

  function checkCode(code) {
    code.setError("");
    const value = code.input.value.replace(/\s+/g, "");
    if (!value) problems([[code, t("field.required"), t("o.totp.field")]]);
    else if (!CODE.test(value)) problems([[code, t("o.totp.format"), t("o.totp.field")]]);
    else return value;
    return null;
  }

  function codeError(error, code) {
    if (refusedHere(error)) return;
    if (error.code === "CodeMismatchException" || error.code === "EnableSoftwareTokenMFAException") {
      code.setError(t("o.totp.wrong"));
      code.input.value = "";
      fail(localError(error.code, "o.totp.wrong", error.status));
      return;
    }
    if (error.code === "NotAuthorizedException" || error.code === "ExpiredCodeException") {
      sessionLost();
      return;
    }
    fail(error);
  }

  // --- step 1: e-mail and password ----------------------------------------------------------------
  function credentialsStep() {
    pendingStep = null;
    shownRefusal = null;
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
    const submit = h("button", { type: "submit", class: "primary" }, t("auth.signin"));
    show(
      t("o.signin.title"),
      t("o.signin.intro"),
      h(
        "form",
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            const missing = [];
            email.setError("");
            password.setError("");
            if (!email.input.value.trim()) missing.push([email, t("field.required"), t("auth.email")]);
            if (!password.input.value) missing.push([password, t("field.required"), t("auth.password")]);
            if (missing.length) return problems(missing);
            const address = email.input.value.trim();
            whileBusy(submit, t("o.signin.busy"), async () => {
              try {
                const answer = await cognito("InitiateAuth", {
                  AuthFlow: "USER_PASSWORD_AUTH",
                  ClientId: clientId(),
                  AuthParameters: { USERNAME: address, PASSWORD: password.input.value },
                });
                proceed(answer, address);
              } catch (error) {
                fail(error);
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

  // --- first sign-in: a password of one's own --------------------------------------------------------
  function newPasswordStep(cognitoSession, email) {
    pendingStep = ["newPassword", [cognitoSession, email]];
    const fresh = labelled({
      label: t("o.newpw.field"),
      input: h("input", { type: "password", name: "new-password", autocomplete: "new-password" }),
      help: t("o.newpw.help"),
      required: true,
    });
    const again = labelled({
      label: t("o.newpw.again"),
      input: h("input", { type: "password", name: "new-password-again", autocomplete: "new-password" }),
      required: true,
    });
    const submit = h("button", { type: "submit", class: "primary" }, t("o.newpw.submit"));
    show(
      t("o.newpw.title"),
      t("o.newpw.intro"),
      h(
        "form",
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            fresh.setError("");
            again.setError("");
            const list = [];
            if (!fresh.input.value) list.push([fresh, t("field.required"), t("o.newpw.field")]);
            else if (fresh.input.value.length < 12) list.push([fresh, t("o.newpw.short"), t("o.newpw.field")]);
            if (fresh.input.value && again.input.value !== fresh.input.value) {
              list.push([again, t("o.newpw.mismatch"), t("o.newpw.again")]);
            }
            if (list.length) return problems(list);
            whileBusy(submit, t("o.signin.busy"), async () => {
              try {
                const answer = await cognito("RespondToAuthChallenge", {
                  ClientId: clientId(),
                  ChallengeName: "NEW_PASSWORD_REQUIRED",
                  Session: cognitoSession,
                  ChallengeResponses: { USERNAME: email, NEW_PASSWORD: fresh.input.value },
                });
                proceed(answer, email);
              } catch (error) {
                if (refusedHere(error)) return;
                if (error.code === "InvalidPasswordException") {
                  fresh.setError(t("o.newpw.rules"));
                  fail(localError(error.code, "o.newpw.rules", error.status));
                } else if (error.code === "NotAuthorizedException") {
                  sessionLost();
                } else {
                  fail(error);
                }
              }
            });
          },
        },
        fresh.wrapper,
        again.wrapper,
        h("div", { class: "actions" }, submit),
      ),
    );
  }

  // --- first sign-in: enrol an authenticator app ---------------------------------------------------
  async function mfaSetupStep(cognitoSession, email) {
    show(t("o.totp.setup.title"), t("o.totp.setup.intro"), h("p", { role: "status" }, t("o.signin.busy")));
    let association;
    try {
      association = await cognito("AssociateSoftwareToken", { Session: cognitoSession });
    } catch (error) {
      if (error.code === "NotAuthorizedException") return sessionLost();
      return fail(error);
    }
    setupForm(association.Session, association.SecretCode, email);
  }

  function setupForm(session0, secret, email) {
    let current = session0;
    pendingStep = ["setup", [current, secret, email]];
    const issuer = getConfig().tenant ? `e-Service ${getConfig().tenant}` : "e-Service";
    const code = codeField();
    const submit = h("button", { type: "submit", class: "primary" }, t("o.totp.setup.submit"));
    show(
      t("o.totp.setup.title"),
      t("o.totp.setup.intro"),
      h("p", {}, t("o.totp.setup.step1")),
      h(
        "p",
        { class: "totp-secret" },
        h("span", { class: "visually-hidden" }, `${t("o.totp.setup.secret")}: `),
        h("code", { id: "totp-secret", translate: "no", "data-secret": secret }, groupedSecret(secret)),
      ),
      h("p", {}, h("a", { href: otpauthUri(secret, email, issuer), id: "totp-link" }, t("o.totp.setup.link"))),
      notice(t("o.totp.setup.keep")),
      h("p", {}, t("o.totp.setup.step2")),
      h(
        "form",
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            const value = checkCode(code);
            if (!value) return;
            whileBusy(submit, t("o.signin.busy"), async () => {
              try {
                const verified = await cognito("VerifySoftwareToken", {
                  Session: current,
                  UserCode: value,
                  FriendlyDeviceName: "authenticator",
                });
                current = verified.Session;
                const answer = await cognito("RespondToAuthChallenge", {
                  ClientId: clientId(),
                  ChallengeName: "MFA_SETUP",
                  Session: current,
                  ChallengeResponses: { USERNAME: email },
                });
                proceed(answer, email);
              } catch (error) {
                codeError(error, code);
              }
            });
          },
        },
        code.wrapper,
        h("div", { class: "actions" }, submit),
      ),
    );
    code.input.focus();
  }

  // --- every sign-in: the code from the app --------------------------------------------------------
  function totpStep(cognitoSession, email) {
    pendingStep = ["totp", [cognitoSession, email]];
    const code = codeField();
    const submit = h("button", { type: "submit", class: "primary" }, t("o.totp.submit"));
    show(
      t("o.totp.title"),
      t("o.totp.intro"),
      h(
        "form",
        {
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            const value = checkCode(code);
            if (!value) return;
            whileBusy(submit, t("o.signin.busy"), async () => {
              try {
                const answer = await cognito("RespondToAuthChallenge", {
                  ClientId: clientId(),
                  ChallengeName: "SOFTWARE_TOKEN_MFA",
                  Session: cognitoSession,
                  ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: value },
                });
                proceed(answer, email);
              } catch (error) {
                codeError(error, code);
              }
            });
          },
        },
        code.wrapper,
        h("div", { class: "actions" }, submit),
      ),
      h("p", {}, h("a", { href: "#/signin", onclick: (e) => { e.preventDefault(); replace(messages); credentialsStep(); } }, t("o.signin.again"))),
    );
  }

  const resumable = { newPassword: newPasswordStep, setup: setupForm, totp: totpStep };
  const refusal = reason === "language" ? shownRefusal : null;
  if (reason === "language" && pendingStep) resumable[pendingStep[0]](...pendingStep[1]);
  else credentialsStep();
  if (refusal && !pendingStep) {
    fail(refusal);
    shownRefusal = refusal;
  }
}
