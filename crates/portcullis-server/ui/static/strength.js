// Password strength feedback. The server's rules come first and are checked exactly as the
// server checks them (the length limits); within them, zxcvbn-ts (vendored, loaded on the first
// keystroke only) estimates how guessable the password is. Its list of common passwords is the
// same kind the server's breached-password check refuses, so a password it calls common is
// reported as one the server is likely to refuse.
import { t } from "./i18n.js";

const SCRIPTS = ["/assets/zxcvbn-ts-core.js", "/assets/zxcvbn-ts-language-common.js"];

// zxcvbn-ts reports warnings and suggestions by key; these are the words shown for them.
const TRANSLATIONS = {
  warnings: {
    straightRow: t("js-strength-warning-straight-row"),
    keyPattern: t("js-strength-warning-key-pattern"),
    simpleRepeat: t("js-strength-warning-simple-repeat"),
    extendedRepeat: t("js-strength-warning-extended-repeat"),
    sequences: t("js-strength-warning-sequences"),
    recentYears: t("js-strength-warning-recent-years"),
    dates: t("js-strength-warning-dates"),
    topTen: t("js-strength-warning-top-ten"),
    topHundred: t("js-strength-warning-top-hundred"),
    common: t("js-strength-warning-common"),
    similarToCommon: t("js-strength-warning-similar-to-common"),
    wordByItself: t("js-strength-warning-word-by-itself"),
    namesByThemselves: t("js-strength-warning-names-by-themselves"),
    commonNames: t("js-strength-warning-common-names"),
    userInputs: t("js-strength-warning-user-inputs"),
    pwned: t("js-strength-warning-pwned"),
  },
  suggestions: {
    l33t: t("js-strength-suggestion-l33t"),
    reverseWords: t("js-strength-suggestion-reverse-words"),
    allUppercase: t("js-strength-suggestion-all-uppercase"),
    capitalization: t("js-strength-suggestion-capitalization"),
    dates: t("js-strength-suggestion-dates"),
    recentYears: t("js-strength-suggestion-recent-years"),
    associatedYears: t("js-strength-suggestion-associated-years"),
    sequences: t("js-strength-suggestion-sequences"),
    repeated: t("js-strength-suggestion-repeated"),
    longerKeyboardPattern: t("js-strength-suggestion-longer-keyboard-pattern"),
    anotherWord: t("js-strength-suggestion-another-word"),
    useWords: t("js-strength-suggestion-use-words"),
    noNeed: t("js-strength-suggestion-no-need"),
    pwned: t("js-strength-suggestion-pwned"),
  },
  // Durations: zxcvbn-ts puts the number where {base} is.
  timeEstimation: {
    ltSecond: t("js-strength-time-lt-second"),
    second: t("js-strength-time-second", { base: "{base}" }),
    seconds: t("js-strength-time-seconds", { base: "{base}" }),
    minute: t("js-strength-time-minute", { base: "{base}" }),
    minutes: t("js-strength-time-minutes", { base: "{base}" }),
    hour: t("js-strength-time-hour", { base: "{base}" }),
    hours: t("js-strength-time-hours", { base: "{base}" }),
    day: t("js-strength-time-day", { base: "{base}" }),
    days: t("js-strength-time-days", { base: "{base}" }),
    month: t("js-strength-time-month", { base: "{base}" }),
    months: t("js-strength-time-months", { base: "{base}" }),
    year: t("js-strength-time-year", { base: "{base}" }),
    years: t("js-strength-time-years", { base: "{base}" }),
    centuries: t("js-strength-time-centuries"),
  },
};

const LEVELS = [
  ["weak", t("js-strength-level-very-weak")],
  ["weak", t("js-strength-level-weak")],
  ["fair", t("js-strength-level-fair")],
  ["good", t("js-strength-level-good")],
  ["strong", t("js-strength-level-strong")],
];

let estimator = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const existing = document.querySelector(`script[data-src="${src}"]`);
    if (existing && existing.dataset.loaded) return resolve();
    const script = existing || document.createElement("script");
    script.addEventListener("load", () => {
      script.dataset.loaded = "true";
      resolve();
    });
    script.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
    if (!existing) {
      script.src = src;
      script.dataset.src = src;
      document.head.append(script);
    }
  });
}

/** The zxcvbn-ts estimator, or null if its scripts could not be loaded. */
async function loadEstimator() {
  if (!estimator) {
    estimator = (async () => {
      for (const src of SCRIPTS) await loadScript(src);
      const lib = window.zxcvbnts;
      const common = lib["language-common"];
      return new lib.core.ZxcvbnFactory({
        dictionary: { ...common.dictionary },
        graphs: common.adjacencyGraphs,
        translations: TRANSLATIONS,
      });
    })().catch(() => null);
  }
  return estimator;
}

/**
 * `{level, text}` for `password`: level is none, too-short, too-long, weak, fair, good or
 * strong; text says what to do next.
 */
export async function describePassword(password, { min = 8, max = 128, userInputs = [] } = {}) {
  if (!password) return { level: "none", text: "" };
  if (password.length < min) {
    const left = min - password.length;
    return {
      level: "too-short",
      text: left === 1 ? t("js-strength-too-short-one", { n: left }) : t("js-strength-too-short", { n: left }),
    };
  }
  if (password.length > max) return { level: "too-long", text: t("js-strength-too-long", { max }) };
  const zxcvbn = await loadEstimator();
  if (!zxcvbn) return { level: "none", text: "" };
  const result = zxcvbn.check(password, userInputs);
  const [level, label] = LEVELS[Math.max(0, Math.min(4, result.score))];
  const common = result.sequence.some((m) => m.pattern === "dictionary" && String(m.dictionaryName).startsWith("passwords") && m.token.length === password.length);
  const advice = common
    ? t("js-strength-known-password")
    : result.feedback.warning || result.feedback.suggestions[0] || "";
  const shown = common ? t("js-strength-level-weak") : label;
  return {
    level: common ? "weak" : level,
    text: advice ? t("js-strength-verdict-advice", { level: shown, advice }) : t("js-strength-verdict", { level: label }),
  };
}
