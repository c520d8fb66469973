//! Every plugin's words are in its message catalog, in every shipped language: both files
//! define the same ids with the same variables, every id its templates and scripts name is
//! defined, its page titles and section labels are ids, and French has words for each of its
//! error codes (what `errorText` shows).

use std::sync::Arc;

use portcullis_core::Plugin;
use portcullis_delivery::i18n::{self, LANGUAGES};
use portcullis_delivery::{Catalogs, Messages};

/// Core's catalogs and every plugin's, as the server loads them.
pub(crate) fn catalogs(plugins: &[Arc<dyn Plugin>]) -> Catalogs {
    let mut sources: Vec<(&'static str, Messages)> =
        portcullis_delivery::templates::EMAIL_MESSAGES.to_vec();
    sources.extend_from_slice(portcullis_server_messages());
    for p in plugins {
        sources.extend(p.messages().into_iter().map(|m| (p.id(), m)));
    }
    Catalogs::new(&sources, None).unwrap_or_else(|e| panic!("{}: {e}", e.origin))
}

/// The core pages' catalogs are the server's; this crate sees them through its dev-dependency.
fn portcullis_server_messages() -> &'static [(&'static str, Messages)] {
    portcullis_server::ui::MESSAGES
}

#[test]
fn every_plugin_says_its_words_in_every_language() {
    let plugins = crate::tests::every_plugin();
    for id in [
        "two-factor",
        "passkey",
        "organization",
        "admin",
        "oauth",
        "audit",
    ] {
        assert!(
            plugins.iter().any(|p| p.id() == id),
            "{id} is not registered"
        );
    }
    let all = catalogs(&plugins);
    let mut problems = Vec::new();
    for p in &plugins {
        // `id` must be a message in every language; `what` says where it is used.
        let undefined = |id: &str, what: &str, problems: &mut Vec<String>| {
            for language in LANGUAGES {
                if !all.defines(language, id) {
                    problems.push(format!(
                        "{}: {what} {id:?} is not a message in {language}",
                        p.id()
                    ));
                }
            }
        };
        let files = p.messages();
        if !files.is_empty() {
            problems.extend(
                i18n::mismatches(&files)
                    .into_iter()
                    .map(|m| format!("{}: {m}", p.id())),
            );
        }
        let mut sources: Vec<(&str, &str)> = Vec::new();
        for page in p.pages() {
            sources.push((page.template.file, page.template.source));
            undefined(
                page.title,
                &format!("page {}: title", page.path),
                &mut problems,
            );
        }
        for fragment in p.fragments() {
            sources.push((fragment.template.file, fragment.template.source));
            if let Some(section) = fragment.section {
                let what = format!("section {}: label", section.id);
                undefined(section.label, &what, &mut problems);
            }
        }
        for t in p.templates() {
            sources.push((t.file, t.source));
        }
        let assets = p.assets();
        for a in &assets {
            if a.content_type.starts_with("text/javascript") {
                sources.push((a.file, std::str::from_utf8(a.body).unwrap_or_default()));
            }
        }
        for (file, source) in sources {
            for id in i18n::ids_used(source) {
                undefined(&id, &format!("{file}: t()"), &mut problems);
            }
        }
        for code in p.error_codes() {
            let id = format!("js-error-{}", code.code);
            if !all.defines("fr", &id) {
                problems.push(format!(
                    "{}: error code {} has no French ({id})",
                    p.id(),
                    code.code
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
