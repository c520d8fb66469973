// Password strength feedback. The server's rules come first and are checked exactly as the
// server checks them (the length limits); within them, zxcvbn-ts (vendored, loaded on the first
// keystroke only) estimates how guessable the password is. Its list of common passwords is the
// same kind the server's breached-password check refuses, so a password it calls common is
// reported as one the server is likely to refuse.

const SCRIPTS = ["/assets/zxcvbn-ts-core.js", "/assets/zxcvbn-ts-language-common.js"];

// zxcvbn-ts reports warnings and suggestions by key; these are the words shown for them.
const TRANSLATIONS = {
  warnings: {
    straightRow: "Straight rows of keys are easy to guess.",
    keyPattern: "Short keyboard patterns are easy to guess.",
    simpleRepeat: "Repeated characters like \"aaa\" are easy to guess.",
    extendedRepeat: "Repeated patterns like \"abcabc\" are easy to guess.",
    sequences: "Sequences like \"abc\" or \"123\" are easy to guess.",
    recentYears: "Recent years are easy to guess.",
    dates: "Dates are easy to guess.",
    topTen: "This is one of the most used passwords.",
    topHundred: "This is a very common password.",
    common: "This is a common password.",
    similarToCommon: "This is close to a common password.",
    wordByItself: "A single word is easy to guess.",
    namesByThemselves: "Names on their own are easy to guess.",
    commonNames: "Common names are easy to guess.",
    userInputs: "Don't use your name or email address.",
    pwned: "This password has appeared in a data breach.",
  },
  suggestions: {
    l33t: "Swapping letters for look-alike symbols doesn't help much.",
    reverseWords: "Spelling a word backwards doesn't help much.",
    allUppercase: "Capitalise some letters, not all.",
    capitalization: "Capitalise more than the first letter.",
    dates: "Avoid dates that mean something to you.",
    recentYears: "Avoid recent years.",
    associatedYears: "Avoid years that mean something to you.",
    sequences: "Avoid sequences.",
    repeated: "Avoid repeated words and characters.",
    longerKeyboardPattern: "Avoid keyboard patterns.",
    anotherWord: "Add another word or two that are less common.",
    useWords: "A few unrelated words make a strong password.",
    noNeed: "No symbols or capitals needed: length matters most.",
    pwned: "If you use this password elsewhere, change it there too.",
  },
  timeEstimation: {
    ltSecond: "less than a second", second: "{base} second", seconds: "{base} seconds",
    minute: "{base} minute", minutes: "{base} minutes", hour: "{base} hour", hours: "{base} hours",
    day: "{base} day", days: "{base} days", month: "{base} month", months: "{base} months",
    year: "{base} year", years: "{base} years", centuries: "centuries",
  },
};

const LEVELS = [
  ["weak", "Very weak"],
  ["weak", "Weak"],
  ["fair", "Fair"],
  ["good", "Good"],
  ["strong", "Strong"],
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
    return { level: "too-short", text: `Too short: ${left} more character${left === 1 ? "" : "s"} needed.` };
  }
  if (password.length > max) return { level: "too-long", text: `Too long: use at most ${max} characters.` };
  const zxcvbn = await loadEstimator();
  if (!zxcvbn) return { level: "none", text: "" };
  const result = zxcvbn.check(password, userInputs);
  const [level, label] = LEVELS[Math.max(0, Math.min(4, result.score))];
  const common = result.sequence.some((m) => m.pattern === "dictionary" && String(m.dictionaryName).startsWith("passwords") && m.token.length === password.length);
  const advice = common
    ? "It is a known password: the server will likely refuse it. Choose another."
    : result.feedback.warning || result.feedback.suggestions[0] || "";
  return { level: common ? "weak" : level, text: advice ? `${common ? "Weak" : label}. ${advice}` : `${label}.` };
}
