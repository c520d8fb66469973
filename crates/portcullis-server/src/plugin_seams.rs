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
