//! `ENABLE_DEVICE_AUTHORIZATION` and `[plugins.device_authorization]`.

use portcullis_core::{Config, ConfigError};

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceAuthorizationSettings {
    /// How long a device code and its user code live, in seconds (Better Auth's `expiresIn`).
    pub expires_in: i64,
    /// The least time between two polls of `/device/token`, in seconds, as a code starts.
    pub interval: i64,
    /// The client ids that may ask for a code; empty lets any client ask (Better Auth's
    /// default, without `validateClient`).
    pub client_ids: Vec<String>,
}

impl DeviceAuthorizationSettings {
    /// `None` unless `ENABLE_DEVICE_AUTHORIZATION` is on. Each key of
    /// `[plugins.device_authorization]` (`enabled`, `expires_in`, `interval`, `client_ids`)
    /// may be set by its variable instead, which wins.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("device_authorization");
        if !src.flag("enabled", Some("ENABLE_DEVICE_AUTHORIZATION"), false)? {
            return Ok(None);
        }
        let expires_in =
            src.lifetime("expires_in", Some("DEVICE_AUTHORIZATION_EXPIRES_IN"), 1800)?;
        let interval_var = src
            .get("interval", Some("DEVICE_AUTHORIZATION_INTERVAL"))?
            .map(|(var, _)| var)
            .unwrap_or_else(|| src.var("interval"));
        let interval: i64 = src.parse(
            "interval",
            Some("DEVICE_AUTHORIZATION_INTERVAL"),
            5,
            "a number of seconds",
        )?;
        // RFC 8628 asks clients to wait 5 s when no interval is given; below 1 s a device
        // would hammer the token endpoint, and an interval as long as the code's life would
        // leave no poll at all.
        if interval < 1 || interval >= expires_in {
            return Err(ConfigError::new(
                &interval_var,
                "must be at least 1 second and shorter than the code's lifetime",
            ));
        }
        let client_ids_var = src.var("client_ids");
        let client_ids = src.list("client_ids", Some("DEVICE_AUTHORIZATION_CLIENT_IDS"))?;
        if client_ids
            .iter()
            .any(|id| id.is_empty() || id.chars().any(char::is_control))
        {
            return Err(ConfigError::new(
                &client_ids_var,
                "must be a list of client ids, without empty ones",
            ));
        }
        Ok(Some(DeviceAuthorizationSettings {
            expires_in,
            interval,
            client_ids,
        }))
    }

    /// Whether `client_id` may use the flow.
    pub fn allows(&self, client_id: &str) -> bool {
        self.client_ids.is_empty() || self.client_ids.iter().any(|c| c == client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Option<DeviceAuthorizationSettings>, ConfigError> {
        DeviceAuthorizationSettings::load(&crate::tests::config_of(pairs)?)
    }

    #[test]
    fn off_by_default_and_better_auths_defaults_when_on() {
        assert_eq!(load(&[]).expect("load"), None);
        let on = load(&[("ENABLE_DEVICE_AUTHORIZATION", "true")])
            .expect("load")
            .expect("on");
        assert_eq!(on.expires_in, 1800);
        assert_eq!(on.interval, 5);
        assert!(on.client_ids.is_empty() && on.allows("anything"));
        let listed = load(&[
            ("ENABLE_DEVICE_AUTHORIZATION", "true"),
            ("DEVICE_AUTHORIZATION_CLIENT_IDS", "tv, cli"),
            ("DEVICE_AUTHORIZATION_EXPIRES_IN", "600"),
            ("DEVICE_AUTHORIZATION_INTERVAL", "10"),
        ])
        .expect("load")
        .expect("on");
        assert_eq!(listed.client_ids, vec!["tv", "cli"]);
        assert!(listed.allows("cli") && !listed.allows("other"));
        assert_eq!((listed.expires_in, listed.interval), (600, 10));
    }

    #[test]
    fn from_the_plugins_table_the_variables_winning() {
        let toml = "[plugins.device_authorization]\nenabled = true\nexpires_in = 900\ninterval = 7\nclient_ids = [\"tv\", \"cli\"]\n";
        let config = crate::tests::config_from(&[], toml).expect("config");
        let s = DeviceAuthorizationSettings::load(&config)
            .expect("load")
            .expect("on");
        assert_eq!((s.expires_in, s.interval), (900, 7));
        assert_eq!(s.client_ids, vec!["tv", "cli"]);
        let config = crate::tests::config_from(&[("DEVICE_AUTHORIZATION_INTERVAL", "3")], toml)
            .expect("config");
        let s = DeviceAuthorizationSettings::load(&config)
            .expect("load")
            .expect("on");
        assert_eq!(s.interval, 3);
        let bad = "[plugins.device_authorization]\nenabled = true\ninterval = 0\n";
        let config = crate::tests::config_from(&[], bad).expect("config");
        let err = DeviceAuthorizationSettings::load(&config).expect_err("interval 0");
        assert_eq!(err.var, "plugins.device_authorization.interval");
        let bad = "[plugins.device_authorization]\nenabled = true\nclient_ids = [1]\n";
        let config = crate::tests::config_from(&[], bad).expect("config");
        let err = DeviceAuthorizationSettings::load(&config).expect_err("not strings");
        assert_eq!(err.var, "plugins.device_authorization.client_ids");
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("DEVICE_AUTHORIZATION_EXPIRES_IN", "soon"),
            ("DEVICE_AUTHORIZATION_EXPIRES_IN", "10"),
            ("DEVICE_AUTHORIZATION_INTERVAL", "0"),
            ("DEVICE_AUTHORIZATION_INTERVAL", "5s"),
            ("DEVICE_AUTHORIZATION_INTERVAL", "1800"),
            ("ENABLE_DEVICE_AUTHORIZATION", "maybe"),
        ] {
            let mut pairs = vec![(var, value)];
            if var != "ENABLE_DEVICE_AUTHORIZATION" {
                pairs.push(("ENABLE_DEVICE_AUTHORIZATION", "true"));
            }
            let err = load(&pairs).expect_err(value);
            assert_eq!(err.var, var, "{value}: {}", err.problem);
        }
    }
}
