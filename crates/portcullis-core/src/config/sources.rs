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

/// Whether `<var>_FILE` may hold `var`'s value: the secrets and the URLs that carry passwords.
/// Other `_FILE` variables (`ADMIN_ACCESS_CONTROL_FILE`, `REDIS_CA_FILE`, …) are paths in their
/// own right.
pub(super) fn may_come_from_a_file(var: &str) -> bool {
    const SECRET_ENDINGS: &[&str] = &[
        "_SECRET",
        "_SECRETS",
        "_PASSWORD",
        "_PEPPER",
        "_TOKEN",
        "_API_KEY",
    ];
    matches!(var, "DATABASE_URL" | "REDIS_URL") || SECRET_ENDINGS.iter().any(|e| var.ends_with(e))
}

/// `<VAR>_FILE=/path` sets a secret `VAR` from that file's contents, less one trailing newline:
/// Docker and Kubernetes secrets, and systemd credentials (`LoadCredential=`,
/// `LoadCredentialEncrypted=` sealed to the TPM, read from `$CREDENTIALS_DIRECTORY`), keep
/// secrets out of the environment, where child processes and crash reports see them (ASVS
/// V2.10.3). Setting both is refused, naming the `_FILE` variable, as is a file that cannot be
/// read; the value itself is never printed.
fn secrets_from_files(
    mut env: HashMap<String, String>,
) -> Result<HashMap<String, String>, ConfigError> {
    let from_files: Vec<(String, String)> = env
        .iter()
        .filter_map(|(k, path)| {
            let var = k.strip_suffix("_FILE")?;
            may_come_from_a_file(var).then(|| (var.to_owned(), path.clone()))
        })
        .collect();
    for (var, path) in from_files {
        let file_var = format!("{var}_FILE");
        if env.contains_key(&var) {
            return Err(bad(
                &file_var,
                format!("is set together with {var}: set one of them"),
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad(&file_var, format!("cannot read {path}: {}", e.kind())))?;
        let value = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text);
        if value.is_empty() {
            return Err(bad(&file_var, format!("names an empty file: {path}")));
        }
        env.insert(var, value.to_owned());
    }
    Ok(env)
}

impl Sources {
    /// Reads the process environment and the TOML file named by `PORTCULLIS_CONFIG`.
    pub fn from_process() -> Result<Self, ConfigError> {
        Self::new(std::env::vars().collect())
    }

    pub fn new(env: HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = secrets_from_files(env)?;
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
