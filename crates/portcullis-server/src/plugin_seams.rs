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
