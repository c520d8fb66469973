//! Start-up glue for what plugins bring besides endpoints: their message templates go to the
//! delivery crate, and everything is checked here, so a plugin that does not fit stops the
//! server with one line naming it.

use std::sync::Arc;

use portcullis_core::plugin_parts::Sends;
use portcullis_core::{Config, Plugin};
use portcullis_delivery::{Delivery, EmailTemplate};

use crate::app::StartError;

/// Starts delivery with the core templates and every plugin's, then checks that each message
/// core or a plugin sends has its templates.
pub fn start_delivery(
    config: &Config,
    plugins: &[Arc<dyn Plugin>],
) -> Result<Arc<Delivery>, StartError> {
    let mut cfg = config.delivery.clone();
    cfg.catalogs = crate::ui::catalogs(config, plugins)?;
    for p in plugins {
        let templates = p.templates();
        let pairs: Vec<_> = templates.iter().map(|t| (t.file, t.source)).collect();
        // Checked per plugin first, so that the error names the plugin.
        let mut all = cfg.plugin_templates.clone();
        all.extend(pairs.iter().copied());
        portcullis_delivery::templates::check_plugin_templates(&all).map_err(|e| {
            StartError::Plugin {
                plugin: p.id(),
                problem: e.to_string(),
            }
        })?;
        cfg.plugin_templates = all;
    }
    let delivery = Delivery::start(cfg).map_err(StartError::Delivery)?;
    let templates = delivery.templates();
    for t in EmailTemplate::CORE {
        templates.check_email(t).map_err(StartError::Delivery)?;
    }
    for p in plugins {
        for sends in p.sends() {
            let checked = match sends {
                Sends::Email(t) => templates.check_email(t),
                Sends::Sms(name) => templates.check_sms(name),
            };
            checked.map_err(|e| StartError::Plugin {
                plugin: p.id(),
                problem: e.to_string(),
            })?;
        }
    }
    Ok(delivery)
}

/// Checks what plugins bring for the background jobs: each expiring table is in the schema
/// with a date column of that name, and each job has a unique `[a-z0-9_-]` name and an interval
/// of at least a second.
pub fn check_jobs(
    schema: &portcullis_storage::Schema,
    plugins: &[Arc<dyn Plugin>],
) -> Result<(), StartError> {
    let mut names: Vec<&'static str> = Vec::new();
    for p in plugins {
        let refuse = |problem: String| StartError::Plugin {
            plugin: p.id(),
            problem,
        };
        for t in p.expiring_tables() {
            let column = schema
                .table(t.table)
                .and_then(|table| table.field(t.column));
            if column.is_none_or(|f| f.ty != portcullis_storage::FieldType::Date) {
                return Err(refuse(format!(
                    "expiring table {}: the schema has no date column {}.{}",
                    t.table, t.table, t.column
                )));
            }
        }
        for job in p.jobs() {
            let plain = !job.name.is_empty()
                && job.name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_')
                });
            if !plain || names.contains(&job.name) {
                return Err(refuse(format!(
                    "job {:?}: the name must be [a-z0-9_-] and unique",
                    job.name
                )));
            }
            if job.interval < std::time::Duration::from_secs(1) {
                return Err(refuse(format!(
                    "job {}: the interval must be at least a second",
                    job.name
                )));
            }
            names.push(job.name);
        }
    }
    Ok(())
}

/// Checks that a switchable plugin (`Plugin::switchable`) replaces no endpoint of core or of
/// a plugin before it: switched off, that path would answer 404 instead of the one it replaced.
pub fn check_switchable(plugins: &[Arc<dyn Plugin>]) -> Result<(), StartError> {
    let mut seen: Vec<(http::Method, &'static str)> = portcullis_core::routes::core_endpoints()
        .into_iter()
        .map(|e| (e.method, e.path))
        .collect();
    for p in plugins {
        for e in p.endpoints() {
            if p.switchable() && seen.iter().any(|(m, q)| *m == e.method && *q == e.path) {
                return Err(StartError::Plugin {
                    plugin: p.id(),
                    problem: format!(
                        "endpoint {} {}: a switchable plugin must not replace an endpoint",
                        e.method, e.path
                    ),
                });
            }
            seen.push((e.method, e.path));
        }
    }
    Ok(())
}

/// Checks the plugins' root endpoints (`Plugin::root_endpoints`): each path absolute, outside
/// the base path, not one the server answers itself (pages, `/assets/`, `/api/`, `/dev/`,
/// `/metrics`) nor a plugin page's, and no method and path twice.
pub fn check_root_endpoints(
    config: &Config,
    plugins: &[Arc<dyn Plugin>],
) -> Result<(), StartError> {
    let pages: Vec<&'static str> = plugins
        .iter()
        .flat_map(|p| p.pages())
        .map(|p| p.path)
        .collect();
    let mut seen: Vec<(http::Method, &'static str)> = Vec::new();
    for p in plugins {
        for e in p.root_endpoints() {
            let path = e.path;
            // The first segment decides: a `:param` there would take every path.
            let first = path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            let bad = !path.starts_with('/')
                || path.contains("//")
                || first.is_empty()
                || first.starts_with(':')
                || crate::http::under_base(&config.base_path, path)
                || crate::ui::RESERVED_PATHS.contains(&path)
                || crate::ui::RESERVED_PREFIXES
                    .iter()
                    .any(|pre| path.starts_with(pre) || path == pre.trim_end_matches('/'))
                || pages.contains(&path)
                || seen.iter().any(|(m, q)| *m == e.method && *q == path);
            if bad {
                return Err(StartError::Plugin {
                    plugin: p.id(),
                    problem: format!(
                        "root endpoint {} {path}: must be an absolute path outside the base path that nothing else serves",
                        e.method
                    ),
                });
            }
            seen.push((e.method.clone(), path));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use http::Method;
    use portcullis_core::Endpoint;
    use portcullis_core::plugin_parts::{ExpiringTable, Job, JobError, TemplateSource};
    use portcullis_storage::Schema;

    use super::*;

    /// A plugin that brings whatever the test gives it.
    #[derive(Default)]
    struct Odd {
        templates: Vec<TemplateSource>,
        sends: Vec<Sends>,
        roots: Vec<&'static str>,
        tables: Vec<ExpiringTable>,
        jobs: Vec<(&'static str, u64)>,
    }

    async fn nothing(_: &portcullis_core::AuthContext) -> Result<(), JobError> {
        Ok(())
    }

    async fn ok(
        _: &portcullis_core::AuthContext,
        _: &portcullis_core::AuthRequest,
    ) -> Result<portcullis_core::AuthResponse, portcullis_core::ApiError> {
        Ok(portcullis_core::AuthResponse::json(serde_json::json!({})))
    }

    impl Plugin for Odd {
        fn id(&self) -> &'static str {
            "odd"
        }
        fn templates(&self) -> Vec<TemplateSource> {
            self.templates.clone()
        }
        fn sends(&self) -> Vec<Sends> {
            self.sends.clone()
        }
        fn root_endpoints(&self) -> Vec<Endpoint> {
            self.roots
                .iter()
                .map(|p| Endpoint::new(Method::GET, p, "odd", portcullis_core::handler!(ok)))
                .collect()
        }
        fn expiring_tables(&self) -> Vec<ExpiringTable> {
            self.tables.clone()
        }
        fn jobs(&self) -> Vec<Job> {
            self.jobs
                .iter()
                .map(|(name, secs)| {
                    Job::new(
                        name,
                        Duration::from_secs(*secs),
                        portcullis_core::job!(nothing),
                    )
                })
                .collect()
        }
    }

    fn config() -> Config {
        let dir = std::env::temp_dir().join(format!("portcullis-seams-{}", rand::random::<u32>()));
        let env = HashMap::from([("PORTCULLIS_DATA_DIR".to_owned(), dir.display().to_string())]);
        Config::load(&portcullis_core::Sources::new(env).unwrap()).unwrap()
    }

    fn refused(r: Result<(), StartError>) -> String {
        r.expect_err("refused").to_string()
    }

    #[tokio::test]
    async fn messages_without_templates_stop_start_up() {
        let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(Odd {
            sends: vec![Sends::Email(EmailTemplate::named("nope"))],
            ..Default::default()
        })];
        let err = refused(start_delivery(&config(), &plugins).map(|_| ()));
        assert!(
            err.starts_with("plugin odd: no template email-nope.html"),
            "{err}"
        );
        let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(Odd {
            templates: vec![TemplateSource::new("sms-hi.txt", "Hi {{ name }}")],
            sends: vec![Sends::Sms("hi")],
            ..Default::default()
        })];
        let delivery = start_delivery(&config(), &plugins).expect("fits");
        assert_eq!(
            delivery
                .templates()
                .render_sms("hi", serde_json::json!({"name": "Bo"}))
                .unwrap(),
            "Hi Bo"
        );
        let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(Odd {
            templates: vec![TemplateSource::new("email-welcome.txt", "")],
            ..Default::default()
        })];
        let err = refused(start_delivery(&config(), &plugins).map(|_| ()));
        assert_eq!(
            err,
            "plugin odd: delivery configuration: plugin template email-welcome.txt is defined twice"
        );
    }

    #[test]
    fn root_endpoints_must_be_free_absolute_paths() {
        let check = |roots: Vec<&'static str>| {
            let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(Odd {
                roots,
                ..Default::default()
            })];
            check_root_endpoints(&config(), &plugins)
        };
        check(vec!["/.well-known/jwks.json", "/.well-known/k/:id"]).unwrap();
        for bad in [
            "/api/auth/x",
            "/api/health",
            "/sign-in",
            "/",
            "/assets/a.js",
            "/metrics",
            "/:any",
            "relative",
            "/a//b",
        ] {
            let err = refused(check(vec![bad]));
            assert!(
                err.starts_with("plugin odd: root endpoint GET "),
                "{bad}: {err}"
            );
        }
        assert!(check(vec!["/x", "/x"]).is_err());
    }

    #[test]
    fn expiring_tables_and_jobs_are_checked() {
        let schema = Schema::core();
        let check = |tables: Vec<ExpiringTable>, jobs: Vec<(&'static str, u64)>| {
            let plugins: Vec<Arc<dyn Plugin>> = vec![Arc::new(Odd {
                tables,
                jobs,
                ..Default::default()
            })];
            check_jobs(&schema, &plugins)
        };
        check(
            vec![ExpiringTable::new("session", "expiresAt")],
            vec![("a-b_1", 1)],
        )
        .unwrap();
        assert_eq!(
            refused(check(vec![ExpiringTable::new("nope", "expiresAt")], vec![])),
            "plugin odd: expiring table nope: the schema has no date column nope.expiresAt"
        );
        assert!(check(vec![ExpiringTable::new("session", "token")], vec![]).is_err());
        assert!(check(vec![], vec![("Bad Name", 1)]).is_err());
        assert!(check(vec![], vec![("a", 1), ("a", 1)]).is_err());
        assert!(check(vec![], vec![("a", 0)]).is_err());
    }
}
