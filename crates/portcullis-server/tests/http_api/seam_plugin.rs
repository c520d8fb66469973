//! `Seam`: a test plugin that brings one of each thing a plugin can bring besides endpoints,
//! so the suites can check that the server picks each up from the plugin alone.

use std::time::Duration;

use portcullis_core::plugin_parts::{ExpiringTable, Job, JobError};
use portcullis_core::{AuthContext, Plugin};
use portcullis_storage::{Field, FieldType, Table};

/// The plugin's table; the cleanup job deletes its rows once `expiresAt` has passed.
pub const TABLE: &str = "seamToken";
/// Counts the runs of the plugin's job, in secondary storage.
pub const TICKS_KEY: &str = "seam:ticks";

pub struct Seam;

async fn tick(ctx: &AuthContext) -> Result<(), JobError> {
    ctx.secondary
        .incr(TICKS_KEY, Duration::from_secs(3600))
        .await?;
    Ok(())
}

impl Plugin for Seam {
    fn id(&self) -> &'static str {
        "seam"
    }

    fn schema(&self) -> Vec<Table> {
        vec![Table::new(
            TABLE,
            vec![
                Field::new("value", FieldType::String).required(),
                Field::new("expiresAt", FieldType::Date).required().index(),
                Field::new("createdAt", FieldType::Date).required(),
                Field::new("updatedAt", FieldType::Date).required(),
            ],
        )]
    }

    fn expiring_tables(&self) -> Vec<ExpiringTable> {
        vec![ExpiringTable::new(TABLE, "expiresAt")]
    }

    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            name: "seam-tick",
            interval: Duration::from_secs(1),
            run: portcullis_core::job!(tick),
        }]
    }
}
