//! Message catalogs: every string of the hosted pages, their scripts and the e-mails, by
//! language, in Project Fluent's format (`messages/<language>.ftl` beside what uses them).
//!
//! - Core and each plugin bring one file per shipped language ([`Messages`]); an id is defined
//!   once across all of them (start-up names the one defined twice).
//! - Templates say `{{ t("sign-in-title") }}` or `{{ t("welcome-back", app=brand.name) }}`.
//! - Ids that begin with [`SCRIPT_PREFIX`] also reach the page scripts, as one script asset
//!   per language that sets `globalThis.portcullisMessages` (`script_messages_url()` in a
//!   template). Its name carries a hash of its content, so browsers keep it until it changes;
//!   a classic script in the page's head, it is there before any module runs. They hold only
//!   text and `{ $variable }`, which the script fills.
//! - A request's language comes from `Accept-Language` ([`Catalogs::negotiate`]), or from
//!   `APP_LANGUAGE` when an operator forces one, and is held for the request's work (and the
//!   work it defers) by [`with_language`]. A message missing in that language is said in
//!   English rather than not at all.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use minijinja::value::{Kwargs, Value as MjValue};
use minijinja::{AutoEscape, Environment, State};
use sha2::Digest;
use unic_langid::LanguageIdentifier;

/// The languages Portcullis ships, by their tag: every catalog has one file for each.
pub const LANGUAGES: &[&str] = &["en", "fr"];
/// The language of a request that asks for none Portcullis has, and of the fallbacks.
pub const DEFAULT_LANGUAGE: &str = "en";
/// Message ids the page scripts use begin with this; they are sent to the browser.
pub const SCRIPT_PREFIX: &str = "js-";
/// Longer `Accept-Language` values are cut here: no browser sends more.
const ACCEPT_LANGUAGE_MAX: usize = 256;

/// One language's file of a catalog: `Messages::new("fr", include_str!("messages/fr.ftl"))`.
#[derive(Debug, Clone, Copy)]
pub struct Messages {
    pub language: &'static str,
    pub source: &'static str,
}

impl Messages {
    pub const fn new(language: &'static str, source: &'static str) -> Messages {
        Messages { language, source }
    }
}

/// A catalog that cannot be used, with who brought it (`core`, `core e-mails`, a plugin id).
#[derive(Debug, thiserror::Error)]
#[error("messages ({language}): {problem}")]
pub struct CatalogError {
    pub origin: &'static str,
    pub language: &'static str,
    pub problem: String,
}

/// The shipped language tag for `tag`, if it is one.
pub fn language_of(tag: &str) -> Option<&'static str> {
    LANGUAGES.iter().copied().find(|l| *l == tag)
}

/// Every catalog, one bundle per shipped language.
pub struct Catalogs {
    /// By the index of the language in [`LANGUAGES`].
    bundles: Vec<FluentBundle<FluentResource>>,
    /// By language: the script that sets the script messages, and its asset file name.
    scripts: Vec<(String, String)>,
    /// `APP_LANGUAGE`: every request in this language, whatever it asks for.
    forced: Option<&'static str>,
    available: Vec<LanguageIdentifier>,
}

impl std::fmt::Debug for Catalogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogs")
            .field("languages", &LANGUAGES)
            .field("forced", &self.forced)
            .finish()
    }
}

impl Catalogs {
    /// Parses and checks `sources` (`(origin, file)`): a known language, Fluent syntax, no id
    /// defined twice in a language, and script messages of text and variables only.
    pub fn new(
        sources: &[(&'static str, Messages)],
        forced: Option<&'static str>,
    ) -> Result<Catalogs, CatalogError> {
        let mut bundles = Vec::with_capacity(LANGUAGES.len());
        let mut scripts: Vec<BTreeMap<String, String>> = vec![BTreeMap::new(); LANGUAGES.len()];
        let mut defined: Vec<HashMap<String, &'static str>> = vec![HashMap::new(); LANGUAGES.len()];
        for tag in LANGUAGES {
            let id: LanguageIdentifier = tag.parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Pages and e-mails are not mixed-direction text: no Unicode isolation marks.
            bundle.set_use_isolating(false);
            bundles.push(bundle);
        }
        for (origin, file) in sources {
            let refuse = |problem: String| CatalogError {
                origin,
                language: file.language,
                problem: format!("{origin}: {problem}"),
            };
            let Some(index) = LANGUAGES.iter().position(|l| *l == file.language) else {
                return Err(refuse(format!(
                    "no language {:?} (shipped: {})",
                    file.language,
                    LANGUAGES.join(", ")
                )));
            };
            let resource = match FluentResource::try_new(file.source.to_owned()) {
                Ok(r) => r,
                Err((_, errors)) => {
                    let first = errors.first().map(|e| {
                        let line = file.source[..e.pos.start.min(file.source.len())]
                            .matches('\n')
                            .count()
                            + 1;
                        format!("line {line}: {}", e.kind)
                    });
                    return Err(refuse(format!(
                        "not valid Fluent: {}",
                        first.unwrap_or_default()
                    )));
                }
            };
            for entry in resource.entries() {
                let (id, value) = match entry {
                    ast::Entry::Message(m) => (m.id.name.to_owned(), m.value.as_ref()),
                    ast::Entry::Term(t) => (format!("-{}", t.id.name), None),
                    _ => continue,
                };
                if let Some(first) = defined[index].insert(id.clone(), origin) {
                    return Err(refuse(format!(
                        "message {id} is already defined by {first}"
                    )));
                }
                if let (true, Some(pattern)) = (id.starts_with(SCRIPT_PREFIX), value) {
                    let text = script_pattern(pattern).ok_or_else(|| {
                        refuse(format!(
                            "script message {id}: only text and {{ $variable }} (a script fills them)"
                        ))
                    })?;
                    scripts[index].insert(id, text);
                }
            }
            // Ids were checked above, so nothing is overridden.
            bundles[index].add_resource_overriding(resource);
        }
        let default = LANGUAGES
            .iter()
            .position(|l| *l == DEFAULT_LANGUAGE)
            .unwrap_or(0);
        let scripts = (0..LANGUAGES.len())
            .map(|i| {
                // What a language lacks, its scripts say in the default language.
                let mut all = scripts[default].clone();
                all.extend(scripts[i].iter().map(|(k, v)| (k.clone(), v.clone())));
                let script = format!("globalThis.portcullisMessages = {};\n", script_json(&all));
                let hash = sha2::Sha256::digest(script.as_bytes());
                let file = format!("messages-{}-{}.js", LANGUAGES[i], &hex::encode(hash)[..16]);
                (script, file)
            })
            .collect();
        Ok(Catalogs {
            bundles,
            scripts,
            forced,
            available: LANGUAGES.iter().filter_map(|l| l.parse().ok()).collect(),
        })
    }

    fn index(language: &str) -> usize {
        LANGUAGES
            .iter()
            .position(|l| *l == language)
            .or_else(|| LANGUAGES.iter().position(|l| *l == DEFAULT_LANGUAGE))
            .unwrap_or(0)
    }

    /// The language `APP_LANGUAGE` forces, if any.
    pub fn forced(&self) -> Option<&'static str> {
        self.forced
    }

    /// The language of work no request asked for (jobs): the forced one, else the default.
    pub fn fallback(&self) -> &'static str {
        self.forced.unwrap_or(DEFAULT_LANGUAGE)
    }

    /// The language of the work running now: the request's ([`with_language`]), else
    /// [`Catalogs::fallback`].
    pub fn current(&self) -> &'static str {
        CURRENT.try_with(|l| *l).unwrap_or_else(|_| self.fallback())
    }

    /// The shipped language that best fits an `Accept-Language` value (`fr-CA,fr;q=0.9,en;q=0.8`
    /// gives `fr`), the forced one when there is one, else the default.
    pub fn negotiate(&self, accept_language: Option<&str>) -> &'static str {
        if let Some(forced) = self.forced {
            return forced;
        }
        let Some(header) = accept_language.filter(|h| !h.is_empty()) else {
            return DEFAULT_LANGUAGE;
        };
        let mut end = header.len().min(ACCEPT_LANGUAGE_MAX);
        while !header.is_char_boundary(end) {
            end -= 1;
        }
        // Ranges by weight, highest first (a stable sort keeps the order of equal weights);
        // `q=0` means "not this one".
        let mut ranges: Vec<(u16, LanguageIdentifier)> = header[..end]
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let weight =
                    parts
                        .find_map(|p| p.trim().strip_prefix("q="))
                        .map_or(Some(1000), |q| {
                            q.trim()
                                .parse::<f32>()
                                .ok()
                                .filter(|q| (0.0..=1.0).contains(q))
                                .map(|q| (q * 1000.0) as u16)
                        })?;
                let id = if tag == "*" {
                    DEFAULT_LANGUAGE.parse().ok()?
                } else {
                    tag.parse().ok()?
                };
                (weight > 0).then_some((weight, id))
            })
            .collect();
        ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
        let requested: Vec<LanguageIdentifier> = ranges.into_iter().map(|(_, id)| id).collect();
        let chosen = fluent_langneg::negotiate_languages(
            &requested,
            &self.available,
            None,
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|id| language_of(id.language.as_str()))
            .unwrap_or(DEFAULT_LANGUAGE)
    }

    /// Message `id` in `language` with `args`; in the default language when `language` lacks
    /// it; the id itself (logged) when no catalog has it.
    pub fn text(&self, language: &str, id: &str, args: Option<&FluentArgs>) -> String {
        let wanted = Catalogs::index(language);
        let default = Catalogs::index(DEFAULT_LANGUAGE);
        for index in [wanted, default] {
            let bundle = &self.bundles[index];
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(id, language, ?errors, "message formatted with errors");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(id, language, "no such message");
        id.to_owned()
    }

    /// Whether `language`'s own file defines `id` (no fallback): for the completeness checks.
    pub fn defines(&self, language: &str, id: &str) -> bool {
        language_of(language).is_some_and(|l| self.bundles[Catalogs::index(l)].has_message(id))
    }

    /// The script that gives the page scripts `language`'s messages: it sets
    /// `globalThis.portcullisMessages` to them, as JSON.
    pub fn script_messages(&self, language: &str) -> &str {
        &self.scripts[Catalogs::index(language)].0
    }

    /// The asset file name of `language`'s script messages (`messages-fr-<hash>.js`).
    pub fn script_file(&self, language: &str) -> &str {
        &self.scripts[Catalogs::index(language)].1
    }

    /// The script a `script_file` name serves, if it is one.
    pub fn script_of_file(&self, file: &str) -> Option<&str> {
        self.scripts
            .iter()
            .find(|(_, name)| name == file)
            .map(|(json, _)| json.as_str())
    }

    /// Adds `t(id, name=value, ...)` and `script_messages_url()` to `env`. The language is the
    /// context's `lang` when it names a shipped one, else the work's ([`Catalogs::current`]).
    pub fn install(self: &Arc<Self>, env: &mut Environment<'static>) {
        let catalogs = self.clone();
        env.add_function(
            "t",
            move |state: &State, id: &str, kwargs: Kwargs| -> Result<MjValue, minijinja::Error> {
                let language = catalogs.language_of_state(state);
                let mut args = FluentArgs::new();
                for key in kwargs.args() {
                    let value: MjValue = kwargs.get(key)?;
                    args.set(key.to_owned(), fluent_value(&value));
                }
                let text = catalogs.text(language, id, Some(&args));
                // Escaped here, apostrophes kept ("Don't", not "Don&#x27;t"): every attribute
                // of the templates is double-quoted.
                Ok(match state.auto_escape() {
                    AutoEscape::Html => MjValue::from_safe_string(escape_html(&text, false)),
                    _ => MjValue::from(text),
                })
            },
        );
        let catalogs = self.clone();
        env.add_function("script_messages_url", move |state: &State| -> MjValue {
            let language = catalogs.language_of_state(state);
            // `[a-z0-9./-]` only: nothing to escape (and `/` must not become `&#x2f;`).
            MjValue::from_safe_string(format!("/assets/{}", catalogs.script_file(language)))
        });
    }

    fn language_of_state(&self, state: &State) -> &'static str {
        state
            .lookup("lang")
            .and_then(|v| v.as_str().and_then(language_of))
            .unwrap_or_else(|| self.current())
    }
}

/// `&`, `<`, `>` and `"` as entities: enough for text and double-quoted attributes; with
/// `apostrophes`, `'` too (for single-quoted attributes a template may write). A message's
/// apostrophes are kept, as French needs them readable in the page's source.
pub(crate) fn escape_html(text: &str, apostrophes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if apostrophes => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A template value as a Fluent argument: numbers stay numbers (plural rules need them).
fn fluent_value(value: &MjValue) -> FluentValue<'static> {
    if value.is_number() {
        if let Ok(n) = i64::try_from(value.clone()) {
            return FluentValue::from(n);
        }
        if let Ok(n) = f64::try_from(value.clone()) {
            return FluentValue::from(n);
        }
    }
    if value.is_undefined() || value.is_none() {
        return FluentValue::from("");
    }
    FluentValue::from(value.to_string())
}

/// A script message's pattern as the script fills it: text, and `{$name}` for each variable.
fn script_pattern(pattern: &ast::Pattern<&str>) -> Option<String> {
    let mut out = String::new();
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => out.push_str(value),
            ast::PatternElement::Placeable {
                expression: ast::Expression::Inline(ast::InlineExpression::VariableReference { id }),
            } => {
                out.push_str("{$");
                out.push_str(id.name);
                out.push('}');
            }
            ast::PatternElement::Placeable {
                expression: ast::Expression::Inline(ast::InlineExpression::StringLiteral { value }),
            } if !value.contains('\\') => out.push_str(value),
            _ => return None,
        }
    }
    Some(out)
}

/// JSON for inside a `<script>` element: `<`, `>` and `&` escaped, so no `</script>` or
/// comment can end it early.
fn script_json(messages: &BTreeMap<String, String>) -> String {
    serde_json::to_string(messages)
        .unwrap_or_else(|_| "{}".to_owned())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// What is wrong between one catalog's files: each id and each message's variables must be
/// the same in every shipped language (`files` holds one file per language). For tests.
pub fn mismatches(files: &[Messages]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut by_language: Vec<(&str, BTreeMap<String, Vec<String>>)> = Vec::new();
    for file in files {
        match FluentResource::try_new(file.source.to_owned()) {
            Ok(resource) => by_language.push((file.language, ids_and_variables(&resource))),
            Err(_) => problems.push(format!("{}: not valid Fluent", file.language)),
        }
    }
    for tag in LANGUAGES {
        if !files.iter().any(|f| f.language == *tag) {
            problems.push(format!("no file for {tag}"));
        }
    }
    let Some((first, reference)) = by_language.first() else {
        return problems;
    };
    for (language, ids) in &by_language[1..] {
        for (id, variables) in reference {
            match ids.get(id) {
                None => problems.push(format!("{id}: in {first}, not in {language}")),
                Some(v) if v != variables => problems.push(format!(
                    "{id}: variables {variables:?} in {first}, {v:?} in {language}"
                )),
                Some(_) => {}
            }
        }
        for id in ids.keys().filter(|id| !reference.contains_key(*id)) {
            problems.push(format!("{id}: in {language}, not in {first}"));
        }
    }
    problems
}

/// Each message id of `resource` with the variables it uses, sorted.
fn ids_and_variables(resource: &FluentResource) -> BTreeMap<String, Vec<String>> {
    fn walk_pattern(p: &ast::Pattern<&str>, out: &mut Vec<String>) {
        for element in &p.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                walk_expression(expression, out);
            }
        }
    }
    fn walk_expression(e: &ast::Expression<&str>, out: &mut Vec<String>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                walk_inline(selector, out);
                for v in variants {
                    walk_pattern(&v.value, out);
                }
            }
            ast::Expression::Inline(i) => walk_inline(i, out),
        }
    }
    fn walk_inline(i: &ast::InlineExpression<&str>, out: &mut Vec<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => out.push(id.name.to_owned()),
            ast::InlineExpression::Placeable { expression } => walk_expression(expression, out),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    walk_inline(a, out);
                }
            }
            _ => {}
        }
    }
    let mut all = BTreeMap::new();
    for entry in resource.entries() {
        if let ast::Entry::Message(m) = entry {
            let mut variables = Vec::new();
            if let Some(p) = &m.value {
                walk_pattern(p, &mut variables);
            }
            variables.sort();
            variables.dedup();
            all.insert(m.id.name.to_owned(), variables);
        }
    }
    all
}

/// The message ids a template or script names literally: `t("id"` and `t('id'` (for the
/// tests that check each is defined). Ids built at run time are not seen.
pub fn ids_used(source: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let bytes = source.as_bytes();
    for (at, _) in source.match_indices("t(") {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$')
        {
            continue;
        }
        let rest = &source[at + 2..];
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let body = &rest[1..];
        if let Some(end) = body.find(quote) {
            let id = &body[..end];
            let plain = !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if plain {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

tokio::task_local! {
    static CURRENT: &'static str;
}

/// Runs `fut` with `language` as the language of everything it renders.
pub async fn with_language<F: Future>(language: &'static str, fut: F) -> F::Output {
    CURRENT.scope(language, fut).await
}

/// The language of the work running now, if a request set one ([`with_language`]).
pub fn current_language() -> Option<&'static str> {
    CURRENT.try_with(|l| *l).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "hello = Hello, { $name }!\njs-saved = Saved { $what }.\n\
        items = { $n ->\n    [one] { $n } item\n   *[other] { $n } items\n}\nonly-en = Only in English\n";
    const FR: &str = "hello = Bonjour, { $name } !\njs-saved = { $what } enregistré.\n\
        items = { $n ->\n    [one] { $n } élément\n   *[other] { $n } éléments\n}\n";

    fn catalogs(forced: Option<&'static str>) -> Catalogs {
        Catalogs::new(
            &[
                ("core", Messages::new("en", EN)),
                ("core", Messages::new("fr", FR)),
            ],
            forced,
        )
        .unwrap()
    }

    #[test]
    fn messages_format_with_plurals_and_fall_back_to_english() {
        let c = catalogs(None);
        let mut args = FluentArgs::new();
        args.set("name", "Ana");
        assert_eq!(c.text("fr", "hello", Some(&args)), "Bonjour, Ana !");
        assert_eq!(c.text("en", "hello", Some(&args)), "Hello, Ana!");
        for (n, en, fr) in [(1, "1 item", "1 élément"), (2, "2 items", "2 éléments")] {
            let mut args = FluentArgs::new();
            args.set("n", n);
            assert_eq!(c.text("en", "items", Some(&args)), en);
            assert_eq!(c.text("fr", "items", Some(&args)), fr);
        }
        assert_eq!(c.text("fr", "only-en", None), "Only in English");
        assert_eq!(c.text("fr", "nowhere", None), "nowhere");
        assert!(c.defines("en", "only-en") && !c.defines("fr", "only-en"));
    }

    #[test]
    fn accept_language_picks_the_best_shipped_language() {
        let c = catalogs(None);
        assert_eq!(c.negotiate(None), "en");
        assert_eq!(c.negotiate(Some("fr-CA,fr;q=0.9,en;q=0.8")), "fr");
        assert_eq!(c.negotiate(Some("de-DE,de;q=0.9,fr;q=0.5")), "fr");
        assert_eq!(c.negotiate(Some("en;q=0.4,fr;q=0.9")), "fr");
        assert_eq!(c.negotiate(Some("fr;q=0,en")), "en");
        assert_eq!(c.negotiate(Some("de,es")), "en");
        assert_eq!(c.negotiate(Some("*")), "en");
        assert_eq!(c.negotiate(Some(";;;,,,q=x")), "en");
        assert_eq!(c.negotiate(Some(&"fr,".repeat(500))), "fr");
        let forced = catalogs(Some("fr"));
        assert_eq!(forced.negotiate(Some("en-US")), "fr");
        assert_eq!(forced.fallback(), "fr");
    }

    #[test]
    fn script_messages_are_json_safe_inside_a_script_element() {
        let c = catalogs(None);
        let json = |script: &str| -> serde_json::Value {
            let body = script
                .strip_prefix("globalThis.portcullisMessages = ")
                .unwrap();
            serde_json::from_str(body.trim_end().strip_suffix(';').unwrap()).unwrap()
        };
        let fr = json(c.script_messages("fr"));
        assert_eq!(fr["js-saved"], "{$what} enregistré.");
        assert!(fr.get("hello").is_none());
        let file = c.script_file("fr");
        assert!(
            file.starts_with("messages-fr-") && file.ends_with(".js"),
            "{file}"
        );
        assert_eq!(c.script_of_file(file), Some(c.script_messages("fr")));
        assert_ne!(c.script_file("en"), file);
        assert_eq!(c.script_of_file("messages-fr-0000.js"), None);
        let sneaky = Catalogs::new(
            &[("core", Messages::new("en", "js-x = </script><b>&\n"))],
            None,
        )
        .unwrap();
        assert!(!sneaky.script_messages("en").contains('<'));
    }

    #[test]
    fn bad_catalogs_are_refused_with_their_origin() {
        let twice = Catalogs::new(
            &[
                ("core", Messages::new("en", "a = A\n")),
                ("two-factor", Messages::new("en", "a = B\n")),
            ],
            None,
        )
        .unwrap_err();
        assert_eq!(twice.origin, "two-factor");
        assert!(
            twice.to_string().contains("already defined by core"),
            "{twice}"
        );
        let syntax =
            Catalogs::new(&[("p", Messages::new("en", "ok = A\n= nope\n"))], None).unwrap_err();
        assert!(syntax.to_string().contains("line 2"), "{syntax}");
        let language = Catalogs::new(&[("p", Messages::new("xx", "a = A\n"))], None).unwrap_err();
        assert!(language.to_string().contains("no language"), "{language}");
        let select = "js-n = { $n ->\n   *[other] many\n}\n";
        let script = Catalogs::new(&[("p", Messages::new("en", select))], None).unwrap_err();
        assert!(
            script.to_string().contains("script message js-n"),
            "{script}"
        );
    }

    #[test]
    fn mismatched_files_and_used_ids_are_found() {
        assert!(
            mismatches(&[Messages::new("en", EN), Messages::new("fr", FR)])
                .iter()
                .any(|p| p.contains("only-en: in en, not in fr"))
        );
        let bad_var = mismatches(&[
            Messages::new("en", "a = { $x }\n"),
            Messages::new("fr", "a = { $y }\n"),
        ]);
        assert!(bad_var[0].contains("variables"), "{bad_var:?}");
        assert!(mismatches(&[Messages::new("en", "a = A\n")])[0].contains("no file for fr"));
        assert_eq!(
            ids_used("{{ t(\"a-b\") }} t('js-c', {x}) format(\"no\") it(\"nope\") $t('x')"),
            vec!["a-b", "js-c"]
        );
    }

    #[test]
    fn templates_say_messages_in_the_context_language() {
        let c = Arc::new(catalogs(None));
        let mut env = Environment::new();
        c.install(&mut env);
        env.add_template("p", "{{ t('hello', name=who) }}|{{ t('items', n=2) }}")
            .unwrap();
        let out = |lang: &str| {
            env.get_template("p")
                .unwrap()
                .render(minijinja::context! { lang => lang, who => "<Ana>" })
                .unwrap()
        };
        assert_eq!(out("fr"), "Bonjour, <Ana> !|2 éléments");
        assert_eq!(out("xx"), "Hello, <Ana>!|2 items");
        env.add_template("p.html", "<p title=\"{{ t('hello', name=who) }}\">")
            .unwrap();
        let html = env.get_template("p.html").unwrap();
        let html = html.render(minijinja::context! { lang => "en", who => "\"O'Neil\" <b>" });
        assert_eq!(
            html.unwrap(),
            "<p title=\"Hello, &quot;O'Neil&quot; &lt;b&gt;!\">"
        );
    }
}
