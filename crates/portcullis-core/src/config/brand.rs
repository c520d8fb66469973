//! The brand the hosted pages and emails show (`APP_*`): names, links and validated colours.

use url::Url;

use super::{ConfigError, Sources, bad};

#[derive(Debug, Clone, Default)]
pub struct Brand {
    pub name: String,
    pub description: String,
    pub tagline: String,
    pub company_name: String,
    pub domain: String,
    pub logo_url: String,
    pub favicon: String,
    pub primary_color: String,
    pub secondary_color: String,
    pub support_email: String,
    pub support_url: String,
    pub privacy_url: String,
    pub terms_url: String,
    /// `APP_LANGUAGE`: every page and e-mail in this shipped language, whatever the
    /// request's `Accept-Language` asks for.
    pub language: Option<&'static str>,
}

impl Brand {
    /// The `brand` object pages and emails see, with the public base URL.
    pub fn globals(&self, base_url: &Url) -> serde_json::Value {
        serde_json::json!({
            "brand": {
                "name": self.name, "description": self.description, "tagline": self.tagline,
                "company_name": self.company_name, "domain": self.domain, "logo_url": self.logo_url,
                "favicon": self.favicon, "primary_color": self.primary_color,
                "secondary_color": self.secondary_color, "support_email": self.support_email,
                "support_url": self.support_url, "privacy_url": self.privacy_url,
                "terms_url": self.terms_url,
            },
            "base_url": base_url.as_str().trim_end_matches('/'),
        })
    }
}

pub(super) fn load(src: &Sources, base_url: &Url) -> Result<Brand, ConfigError> {
    let color = |var: &str, default: &str| -> Result<String, ConfigError> {
        let v = src.string(var, default);
        let ok = v.starts_with('#')
            && matches!(v.len(), 4 | 7 | 9)
            && v[1..].chars().all(|c| c.is_ascii_hexdigit());
        if ok {
            Ok(v)
        } else {
            Err(bad(
                var,
                format!("must be a hex colour like #4f46e5, got `{v}`"),
            ))
        }
    };
    let brand = Brand {
        name: src.string("APP_NAME", "Portcullis"),
        description: src.string(
            "APP_DESCRIPTION",
            "Accounts and sign-in for your apps, run on your own servers.",
        ),
        tagline: src.string("APP_TAGLINE", "Your users, your sessions, your data."),
        company_name: src.string("APP_COMPANY_NAME", ""),
        domain: src.string("APP_DOMAIN", base_url.host_str().unwrap_or_default()),
        logo_url: src.string("APP_LOGO_URL", ""),
        favicon: src.string("APP_FAVICON", ""),
        primary_color: color("APP_PRIMARY_COLOR", "#4f46e5")?,
        secondary_color: color("APP_SECONDARY_COLOR", "#0f766e")?,
        support_email: src.string("APP_SUPPORT_EMAIL", ""),
        support_url: src.string("APP_SUPPORT_URL", ""),
        privacy_url: src.string("APP_PRIVACY_URL", ""),
        terms_url: src.string("APP_TERMS_URL", ""),
        language: match src.get("APP_LANGUAGE").map(str::trim) {
            None | Some("") => None,
            Some(tag) => Some(portcullis_delivery::i18n::language_of(tag).ok_or_else(|| {
                bad(
                    "APP_LANGUAGE",
                    format!(
                        "must be one of {}, got `{tag}`",
                        portcullis_delivery::i18n::LANGUAGES.join(", ")
                    ),
                )
            })?),
        },
    };

    Ok(brand)
}
