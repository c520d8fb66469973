//! What a plugin brings besides endpoints, hooks and tables, as plain data: message templates
//! and the messages it sends. The engine only carries these; the delivery crate and the server
//! consume them at start-up, so core stays free of templates.

use portcullis_delivery::EmailTemplate;

/// A template file a plugin brings: its file name and its source (usually `include_str!`).
///
/// Message templates are named as the delivery crate names its own: `email-<name>.html` plus
/// `email-<name>.txt` (the text part defines `{% block subject %}`), or `sms-<name>.txt`. They
/// may extend the core layouts (`email-base.html`, `email-base.txt`), and an operator overrides
/// them by file name from `PORTCULLIS_TEMPLATES_DIR`, like the core ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateSource {
    pub file: &'static str,
    pub source: &'static str,
}

impl TemplateSource {
    pub const fn new(file: &'static str, source: &'static str) -> Self {
        TemplateSource { file, source }
    }
}

/// `TemplateSource` for a file in the calling crate's `<dir>/`, embedded at compile time:
/// `template_source!("src/magic_link/templates", "email-magic-link.html")`.
#[macro_export]
macro_rules! template_source {
    ($dir:literal, $file:literal) => {
        $crate::plugin_parts::TemplateSource::new(
            $file,
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/", $file)),
        )
    };
}

/// A message a plugin sends. Start-up checks that its templates exist (built in, from a plugin
/// or in `PORTCULLIS_TEMPLATES_DIR`) and compile, so a missing one stops the server rather than
/// failing at the first send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sends {
    /// `email-<name>.html` and `email-<name>.txt`.
    Email(EmailTemplate),
    /// `sms-<name>.txt`, sent with `ctx.delivery.send_sms(to, name, vars)`.
    Sms(&'static str),
}
