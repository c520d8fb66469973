//! Links in emails and the redirects that follow them.

use url::Url;

use crate::context::AuthContext;

/// `{baseURL}{basePath}{path}` with query pairs, e.g. the verify-email link.
pub fn api_url(ctx: &AuthContext, path: &str, query: &[(&str, &str)]) -> String {
    let base = ctx.config.base_url.as_str().trim_end_matches('/');
    let mut url = format!("{base}{}{path}", ctx.config.base_path);
    if !query.is_empty() {
        url.push('?');
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        url.push_str(&q);
    }
    url
}

/// A hosted UI page, e.g. `/reset-password`.
pub fn page_url(ctx: &AuthContext, path: &str) -> String {
    format!(
        "{}{path}",
        ctx.config.base_url.as_str().trim_end_matches('/')
    )
}

/// Resolves `target` (absolute, or relative to the base URL) and sets query pairs, as
/// Better Auth does with `new URL(callbackURL, baseURL)` and `searchParams.set`.
pub fn resolve_with(ctx: &AuthContext, target: &str, set: &[(&str, &str)]) -> String {
    let Ok(mut url) = ctx
        .config
        .base_url
        .join(target)
        .or_else(|_| Url::parse(target))
    else {
        return target.to_owned();
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() && set.is_empty() {
        url.set_query(None);
    } else {
        let mut q = url.query_pairs_mut();
        q.clear();
        q.extend_pairs(kept);
        q.extend_pairs(set);
    }
    url.to_string()
}

/// `callbackURL?error=CODE` without resolving it (verify-email keeps the raw string).
pub fn append_error(target: &str, code: &str) -> String {
    let sep = if target.contains('?') { '&' } else { '?' };
    format!("{target}{sep}error={code}")
}
