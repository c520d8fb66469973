//! Where values come from: `Sources` reads the environment over an optional TOML file
//! (`PORTCULLIS_CONFIG`), over the values of a security preset (`SECURITY_PRESET`, see
//! `preset`), and its readers (`get`, `parse`, `flag`, `lifetime`, …) are what
//! every section's loader, and every plugin's settings, read through. The file's
//! `[user.additional_fields]` and `[session.additional_fields]` are kept for `fields`, its
//! `[plugins.<id>]` tables and arrays of tables for `tables`.

use std::collections::HashMap;
use std::fmt;

use super::{ConfigError, bad, tables};

/// Where values come from: the environment first, then the TOML file.
#[derive(Clone)]
pub struct Sources {
    env: HashMap<String, String>,
    file: HashMap<String, String>,
    /// The preset's values: used only where neither the environment nor the file sets one.
    preset: HashMap<String, String>,
    pub(super) file_user_fields: Option<toml::Value>,
    pub(super) file_session_fields: Option<toml::Value>,
    /// `[plugins.<id>]` tables and top-level arrays of tables, for plugins (`tables.rs`).
    pub(super) file_tables: toml::Table,
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only how many there are.
        write!(
            f,
            "Sources({} env, {} file)",
            self.env.len(),
            self.file.len()
        )
    }
}

impl Sources {
    /// Reads the process environment and the TOML file named by `PORTCULLIS_CONFIG`.
    pub fn from_process() -> Result<Self, ConfigError> {
        Self::new(std::env::vars().collect())
    }

    pub fn new(env: HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut s = Sources {
            env,
            file: HashMap::new(),
            preset: HashMap::new(),
            file_user_fields: None,
            file_session_fields: None,
            file_tables: toml::Table::new(),
        };
        if let Some(path) = s.env.get("PORTCULLIS_CONFIG").cloned() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| bad("PORTCULLIS_CONFIG", format!("cannot read {path}: {e}")))?;
            s.load_toml(&text)?;
        }
        s.preset = super::preset::values(&s)?;
        Ok(s)
    }

    pub(super) fn load_toml(&mut self, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            bad(
                "PORTCULLIS_CONFIG",
                format!("is not valid TOML: {}", e.message()),
            )
        })?;
        for (k, v) in table {
            if tables::keep_table(&mut self.file_tables, &k, &v)? {
                continue;
            }
            match (k.as_str(), v) {
                ("user", toml::Value::Table(t)) => {
                    self.file_user_fields = t.get("additional_fields").cloned();
                }
                ("session", toml::Value::Table(t)) => {
                    self.file_session_fields = t.get("additional_fields").cloned();
                }
                (_, toml::Value::String(s)) => {
                    self.file.insert(k.to_uppercase(), s);
                }
                (_, toml::Value::Integer(i)) => {
                    self.file.insert(k.to_uppercase(), i.to_string());
                }
                (_, toml::Value::Boolean(b)) => {
                    self.file.insert(k.to_uppercase(), b.to_string());
                }
                (_, toml::Value::Array(a)) => {
                    let items: Vec<String> = a
                        .into_iter()
                        .map(|v| match v {
                            toml::Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect();
                    self.file.insert(k.to_uppercase(), items.join(","));
                }
                (key, _) => {
                    return Err(bad(
                        &key.to_uppercase(),
                        "in the config file must be a string, number, boolean or list",
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn get(&self, var: &str) -> Option<&str> {
        self.env
            .get(var)
            .or_else(|| self.file.get(var))
            .or_else(|| self.preset.get(var))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The first of several names that is set, with the name that supplied it.
    pub fn first<'a>(&'a self, vars: &[&'a str]) -> Option<(&'a str, &'a str)> {
        vars.iter().find_map(|v| self.get(v).map(|val| (*v, val)))
    }

    pub fn parse<T: std::str::FromStr>(
        &self,
        var: &str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(s) => s
                .parse()
                .map_err(|_| bad(var, format!("must be {what}, got `{s}`"))),
        }
    }

    pub fn flag(&self, var: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var).map(|s| s.to_ascii_lowercase()) {
            None => Ok(default),
            Some(s) if ["1", "true", "yes", "on"].contains(&s.as_str()) => Ok(true),
            Some(s) if ["0", "false", "no", "off"].contains(&s.as_str()) => Ok(false),
            Some(s) => Err(bad(var, format!("must be true or false, got `{s}`"))),
        }
    }

    /// A lifetime in seconds, between one minute and 30 days.
    pub fn lifetime(&self, var: &str, default: i64) -> Result<i64, ConfigError> {
        let v: i64 = self.parse(var, default, "a number of seconds")?;
        if !(60..=30 * 86_400).contains(&v) {
            return Err(bad(var, "must be between 60 and 2592000 seconds"));
        }
        Ok(v)
    }

    pub fn string(&self, var: &str, default: &str) -> String {
        self.get(var).unwrap_or(default).to_owned()
    }
}
