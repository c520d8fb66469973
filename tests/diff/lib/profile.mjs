// What differs between the two servers because of how they are configured, not because of a
// request: the reference runs Better Auth's full profile (../../../../shared/bench/README.md,
// BA_REF_PROFILE=full), which has plugins Portcullis does not have, and Portcullis runs with its
// own defaults (README "Differences from Better Auth, on purpose").
//
// Each rule is asserted wherever it applies, never just skipped: a key rule holds for every
// object of its kind in every answer (present on one side, absent on the other), a cookie rule
// for every Set-Cookie (sent by one side only). When Portcullis gains one of these plugins, its
// rule starts failing: delete the rule and let the plugin's scenario compare it.

const isUser = (o) => "email" in o && "emailVerified" in o;
const isSession = (o) => "token" in o && "expiresAt" in o && "userId" in o;
isUser.description = "a user object";
isSession.description = "a session object";

const onlyReference = (plugin) => `profile: the reference's full profile runs ${plugin}, which Portcullis does not have`;

export const profile = {
  keys: [
  ],
  cookies: [],
};

/** One line per profile rule and how many answers it applied to (after a run). */
export function profileSummary(p = profile) {
  return [...p.keys, ...p.cookies].map((rule) => {
    const what = rule.keys ? `${rule.where.description}: ${rule.keys.join(", ")}` : `cookie ${rule.name}`;
    return `${what} only on ${rule.onlyIn}: ${rule.seen || 0} answer(s) — ${rule.reason}`;
  });
}
