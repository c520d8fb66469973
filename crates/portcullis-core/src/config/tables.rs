//! Nested settings from the TOML file, for plugins: a table `[plugins.<id>]` per plugin, and
//! top-level arrays of tables (`[[generic_oauth]]`, one table per provider).
//!
//! A plugin reads them through a [`TableSource`], key by key. A key may name the environment
//! variable that sets it too, and that variable (or the flat key of the same name in the file,
//! as every other setting) wins over the table. A bad value stops start-up naming where it
//! came from: `plugins.two_factor.issuer`, `generic_oauth[1].client_id`, or the variable.

use std::str::FromStr;

use super::{ConfigError, Sources, bad};

/// One table of settings: `[plugins.<id>]`, or one entry of an array of tables.
#[derive(Debug, Clone)]
pub struct TableSource<'a> {
    sources: &'a Sources,
    /// Where the table sits, for messages: `plugins.two_factor`, `generic_oauth[0]`.
    name: String,
    table: Option<&'a toml::Table>,
}

impl<'a> TableSource<'a> {
    /// The table's own values, if the file has it.
    pub fn table(&self) -> Option<&'a toml::Table> {
        self.table
    }

    /// The name a value of `key` is reported under: `plugins.two_factor.issuer`.
    pub fn var(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    /// The nested table `key` of this one (empty when absent), e.g. `[plugins.oauth.github]`,
    /// reported as `plugins.oauth.github.<key>`.
    pub fn child(&self, key: &str) -> TableSource<'a> {
        TableSource {
            sources: self.sources,
            name: self.var(key),
            table: self
                .table
                .and_then(|t| t.get(key))
                .and_then(toml::Value::as_table),
        }
    }

    /// The raw value of `key` as text, with the name it is reported under: the variable `env`
    /// when it is set, else the table's value. Tables and arrays are refused here (read them
    /// from [`TableSource::table`]).
    pub fn get(
        &self,
        key: &str,
        env: Option<&str>,
    ) -> Result<Option<(String, String)>, ConfigError> {
        if let Some((var, v)) = env.and_then(|var| Some((var, self.sources.get(var)?))) {
            return Ok(Some((var.to_owned(), v.to_owned())));
        }
        let Some(value) = self.table.and_then(|t| t.get(key)) else {
            return Ok(None);
        };
        let var = self.var(key);
        let text = match value {
            toml::Value::String(s) => s.trim().to_owned(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::Array(_) | toml::Value::Table(_) => {
                return Err(bad(&var, "must be a string, number or boolean"));
            }
        };
        Ok(Some((var, text)).filter(|(_, t)| !t.is_empty()))
    }

    pub fn string(
        &self,
        key: &str,
        env: Option<&str>,
        default: &str,
    ) -> Result<String, ConfigError> {
        Ok(self
            .get(key, env)?
            .map(|(_, v)| v)
            .unwrap_or_else(|| default.to_owned()))
    }

    /// A required string: a missing one stops start-up.
    pub fn required(&self, key: &str, env: Option<&str>) -> Result<String, ConfigError> {
        match self.get(key, env)? {
            Some((_, v)) => Ok(v),
            None => Err(bad(&self.var(key), "is required")),
        }
    }

    pub fn flag(&self, key: &str, env: Option<&str>, default: bool) -> Result<bool, ConfigError> {
        match self.get(key, env)? {
            None => Ok(default),
            Some((var, s)) => match s.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(bad(&var, format!("must be true or false, got `{s}`"))),
            },
        }
    }

    pub fn parse<T: FromStr>(
        &self,
        key: &str,
        env: Option<&str>,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(key, env)? {
            None => Ok(default),
            Some((var, s)) => s
                .parse()
                .map_err(|_| bad(&var, format!("must be {what}, got `{s}`"))),
        }
    }

    /// A lifetime in seconds, between one minute and 30 days (as `Sources::lifetime`).
    pub fn lifetime(&self, key: &str, env: Option<&str>, default: i64) -> Result<i64, ConfigError> {
        let var = self
            .get(key, env)?
            .map(|(var, _)| var)
            .unwrap_or_else(|| self.var(key));
        let v: i64 = self.parse(key, env, default, "a number of seconds")?;
        if !(60..=30 * 86_400).contains(&v) {
            return Err(bad(&var, "must be between 60 and 2592000 seconds"));
        }
        Ok(v)
    }

    /// A list: an array of strings in the table, or a comma-separated string (the variable's
    /// form).
    pub fn list(&self, key: &str, env: Option<&str>) -> Result<Vec<String>, ConfigError> {
        let from_env = env.and_then(|var| self.sources.get(var)).is_some();
        if let (false, Some(toml::Value::Array(items))) =
            (from_env, self.table.and_then(|t| t.get(key)))
        {
            return items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.trim().to_owned()),
                    _ => Err(bad(&self.var(key), "must be a list of strings")),
                })
                .collect();
        }
        Ok(self
            .get(key, env)?
            .map(|(_, v)| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default())
    }
}

impl Sources {
    /// `[plugins.<id>]` from the file, if it has one.
    pub fn plugin_table(&self, id: &str) -> Option<&toml::Table> {
        self.file_tables
            .get("plugins")
            .and_then(toml::Value::as_table)
            .and_then(|t| t.get(id))
            .and_then(toml::Value::as_table)
    }

    /// A plugin's settings: `[plugins.<id>]` (empty when the file has none), with variables
    /// overriding keys that name one.
    pub fn plugin(&self, id: &str) -> TableSource<'_> {
        TableSource {
            sources: self,
            name: format!("plugins.{id}"),
            table: self.plugin_table(id),
        }
    }

    /// The tables of the top-level array `[[<name>]]`, in file order (empty when there is
    /// none).
    pub fn table_array(&self, name: &str) -> Vec<&toml::Table> {
        self.file_tables
            .get(name)
            .and_then(toml::Value::as_array)
            .map(|items| items.iter().filter_map(toml::Value::as_table).collect())
            .unwrap_or_default()
    }

    /// Each table of `[[<name>]]` as a [`TableSource`], reported as `<name>[i].<key>`.
    pub fn table_sources(&self, name: &str) -> Vec<TableSource<'_>> {
        self.table_array(name)
            .into_iter()
            .enumerate()
            .map(|(i, table)| TableSource {
                sources: self,
                name: format!("{name}[{i}]"),
                table: Some(table),
            })
            .collect()
    }
}

/// Checks and keeps a non-scalar top-level entry of the file: the `plugins` table (each entry a
/// table) or an array of tables. `Ok(false)` for anything else.
pub(super) fn keep_table(
    tables: &mut toml::Table,
    key: &str,
    value: &toml::Value,
) -> Result<bool, ConfigError> {
    match value {
        toml::Value::Table(t) if key == "plugins" => {
            for (id, v) in t {
                if !v.is_table() {
                    return Err(bad(
                        &format!("plugins.{id}"),
                        "must be a table ([plugins.<id>])",
                    ));
                }
            }
            tables.insert(key.to_owned(), value.clone());
            Ok(true)
        }
        toml::Value::Array(items)
            if !items.is_empty() && items.iter().all(toml::Value::is_table) =>
        {
            tables.insert(key.to_owned(), value.clone());
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn sources(env: &[(&str, &str)], toml: &str) -> Result<Sources, ConfigError> {
        let dir = std::env::temp_dir().join(format!(
            "portcullis-tables-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("portcullis.toml");
        std::fs::write(&file, toml).unwrap();
        let mut env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.insert("PORTCULLIS_CONFIG".into(), file.display().to_string());
        let s = Sources::new(env);
        std::fs::remove_dir_all(dir).unwrap();
        s
    }

    const FILE: &str = r#"
port = 9000

[plugins.two_factor]
issuer = "Acme"
digits = 8
enabled = true
backup_codes = ["a", "b"]

[plugins.bearer]
enabled = false

[[generic_oauth]]
provider_id = "gitlab"
scopes = ["openid", "email"]

[[generic_oauth]]
provider_id = "forge"
pkce = "maybe"
"#;

    #[test]
    fn plugin_tables_and_arrays_of_tables() {
        let s = sources(&[], FILE).unwrap();
        assert_eq!(s.get("PORT"), Some("9000"), "flat keys as before");
        let tf = s.plugin("two_factor");
        assert_eq!(tf.string("issuer", None, "x").unwrap(), "Acme");
        assert_eq!(tf.parse("digits", None, 6u32, "a number").unwrap(), 8);
        assert!(tf.flag("enabled", None, false).unwrap());
        assert_eq!(tf.list("backup_codes", None).unwrap(), ["a", "b"]);
        assert_eq!(tf.string("missing", None, "dflt").unwrap(), "dflt");
        assert!(s.plugin_table("two_factor").is_some());
        // A plugin the file does not mention reads its defaults.
        let none = s.plugin("passkey");
        assert!(none.table().is_none());
        assert!(none.flag("enabled", None, true).unwrap());
        assert_eq!(
            none.required("rp_id", None).unwrap_err().to_string(),
            "plugins.passkey.rp_id is required"
        );

        let providers = s.table_sources("generic_oauth");
        assert_eq!(providers.len(), 2);
        assert_eq!(s.table_array("generic_oauth").len(), 2);
        assert_eq!(
            providers[0].required("provider_id", None).unwrap(),
            "gitlab"
        );
        assert_eq!(
            providers[0].list("scopes", None).unwrap(),
            ["openid", "email"]
        );
        assert_eq!(
            providers[1]
                .flag("pkce", None, true)
                .unwrap_err()
                .to_string(),
            "generic_oauth[1].pkce must be true or false, got `maybe`"
        );
        assert!(s.table_sources("nothing").is_empty());
    }

    #[test]
    fn variables_override_table_keys() {
        let s = sources(
            &[("ENABLE_BEARER", "true"), ("TWO_FACTOR_DIGITS", "seven")],
            FILE,
        )
        .unwrap();
        assert!(
            s.plugin("bearer")
                .flag("enabled", Some("ENABLE_BEARER"), true)
                .unwrap()
        );
        let err = s
            .plugin("two_factor")
            .parse("digits", Some("TWO_FACTOR_DIGITS"), 6u32, "a number")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "TWO_FACTOR_DIGITS must be a number, got `seven`"
        );
        // Unset, the table's value stands.
        let s = sources(&[], FILE).unwrap();
        assert!(
            !s.plugin("bearer")
                .flag("enabled", Some("ENABLE_BEARER"), true)
                .unwrap()
        );
        assert_eq!(
            s.plugin("two_factor")
                .list("backup_codes", Some("TWO_FACTOR_BACKUP"))
                .unwrap(),
            ["a", "b"]
        );
        let s = sources(&[("TWO_FACTOR_BACKUP", "x, y")], FILE).unwrap();
        assert_eq!(
            s.plugin("two_factor")
                .list("backup_codes", Some("TWO_FACTOR_BACKUP"))
                .unwrap(),
            ["x", "y"]
        );
    }

    #[test]
    fn bad_values_name_their_place() {
        let s = sources(&[], FILE).unwrap();
        let tf = s.plugin("two_factor");
        assert_eq!(
            tf.parse("issuer", None, 0u32, "a number")
                .unwrap_err()
                .to_string(),
            "plugins.two_factor.issuer must be a number, got `Acme`"
        );
        assert_eq!(
            tf.string("backup_codes", None, "").unwrap_err().to_string(),
            "plugins.two_factor.backup_codes must be a string, number or boolean"
        );
        assert_eq!(
            tf.lifetime("digits", None, 300).unwrap_err().to_string(),
            "plugins.two_factor.digits must be between 60 and 2592000 seconds"
        );
        let err = sources(&[], "[plugins]\ntwo_factor = 3\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "plugins.two_factor must be a table ([plugins.<id>])"
        );
        // Other top-level tables are still refused, as before.
        let err = sources(&[], "[two_factor]\nissuer = \"x\"\n").unwrap_err();
        assert_eq!(err.var, "TWO_FACTOR");
    }
}
