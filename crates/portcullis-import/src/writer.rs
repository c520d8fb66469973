//! Writing entries into this database: in batches, one transaction each, with the run's
//! checkpoint updated in the same transaction, so that an interrupted import resumes where its
//! last committed batch ended and no user is ever half-written (a user without their password
//! account, say).
//!
//! A batch the database refuses (a unique value taken that the checks below could not see) is
//! written again one entry per transaction, so that only the refused entry is reported and the
//! rest go in.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use portcullis_core::AuthContext;
use portcullis_core::crypto::symmetric::{self, SealingKeys};
use portcullis_storage::{
    Adapter, Field, FieldType, Query, Row, Schema, SqlAdapter, StorageError, Store, Table, Value,
    Where, WhereOp,
};

use crate::ImportError;
use crate::person::{Entry, LinkedAccount, Person, derived_id};
use crate::report::Report;

/// Where a run's progress is kept: one row per run, keyed by the source and its entries.
pub(crate) const CHECKPOINT_TABLE: &str = "portcullisImport";

fn checkpoint_table() -> Table {
    use FieldType::*;
    Table::new(
        CHECKPOINT_TABLE,
        vec![
            Field::new("source", String).required(),
            Field::new("position", Number).required(),
            Field::new("report", Json).required(),
            Field::new("startedAt", Date).required(),
            Field::new("updatedAt", Date).required(),
            Field::new("finishedAt", Date),
        ],
    )
}

/// Better Auth columns sealed with the app's secret: opened with the source's and sealed again
/// with this server's when the two differ.
const SEALED_COLUMNS: &[(&str, &str)] = &[
    ("twoFactor", "secret"),
    ("twoFactor", "backupCodes"),
    ("account", "accessToken"),
    ("account", "refreshToken"),
    ("account", "idToken"),
];

/// A run's progress as stored.
pub(crate) struct Checkpoint {
    pub position: u64,
    pub report: Report,
    pub finished: bool,
}

/// What one batch adds to the run's memory, merged only when the batch commits.
#[derive(Default)]
struct Added {
    emails: Vec<(String, String)>,
    usernames: Vec<String>,
    not_imported: Vec<String>,
    links: Vec<((String, String), String)>,
}

/// What the database already holds for the ids, addresses and accounts of one batch.
#[derive(Default)]
struct Known {
    ids: HashMap<String, HashSet<String>>,
    email_owner: HashMap<String, String>,
    usernames: HashSet<String>,
}

pub(crate) struct Writer<'a> {
    ctx: &'a AuthContext,
    db: SqlAdapter,
    user_table: Table,
    two_factor: bool,
    source_secret: Option<Vec<u8>>,
    dry_run: bool,
    run_id: String,
    seen_emails: HashMap<String, String>,
    taken_usernames: HashSet<String>,
    not_imported: HashSet<String>,
    /// Provider accounts linked here, by (provider, the provider's id): read once at the start
    /// (`account` has no index on the provider's id: one scan, not one per batch) and kept up
    /// to date with what the run links.
    linked: HashMap<(String, String), String>,
}

impl<'a> Writer<'a> {
    /// Connects to this server's database with its schema plus the checkpoint table, which is
    /// created here (not by `migrate`: a server that never imports never has it).
    pub async fn open(
        ctx: &'a AuthContext,
        run_id: String,
        source_secret: Option<Vec<u8>>,
        dry_run: bool,
    ) -> Result<Writer<'a>, ImportError> {
        let user_table = ctx
            .schema
            .table("user")
            .cloned()
            .ok_or_else(|| ImportError::Input("the schema has no user table".into()))?;
        let mut schema: Schema = (*ctx.schema).clone();
        schema.extend(checkpoint_table());
        let db = SqlAdapter::connect(&ctx.config.database_url, 4, 0, Arc::new(schema)).await?;
        if db.table_columns("user").await?.is_empty() {
            return Err(ImportError::Input(
                "DATABASE_URL: the database has no Portcullis tables yet; run `portcullis \
                 migrate` first (an import without --dry-run does it itself)"
                    .into(),
            ));
        }
        if !dry_run {
            db.migrate(&Schema {
                tables: vec![checkpoint_table()],
                migrations: Vec::new(),
            })
            .await?;
        }
        Ok(Writer {
            two_factor: ctx.schema.table("twoFactor").is_some(),
            ctx,
            db,
            user_table,
            source_secret,
            dry_run,
            run_id,
            seen_emails: HashMap::new(),
            taken_usernames: HashSet::new(),
            not_imported: HashSet::new(),
            linked: HashMap::new(),
        })
    }

    /// Reads which provider accounts are linked to whom, for inputs that bring some.
    pub async fn read_links(&mut self) -> Result<(), ImportError> {
        let rows = self
            .db
            .find_many(
                "account",
                &Query::filter(vec![Where::op("providerId", WhereOp::Ne, "credential")]),
            )
            .await?;
        for r in rows {
            if let (Some(p), Some(a), Some(u)) = (
                text(&r, "providerId"),
                text(&r, "accountId"),
                text(&r, "userId"),
            ) {
                self.linked.insert((p, a), u);
            }
        }
        Ok(())
    }

    /// The stored progress of this run, if an earlier run of the same input left one.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, ImportError> {
        if self.db.table_columns(CHECKPOINT_TABLE).await?.is_empty() {
            return Ok(None);
        }
        let Some(row) = self
            .db
            .find_one(CHECKPOINT_TABLE, &[Where::eq("id", self.run_id.as_str())])
            .await?
        else {
            return Ok(None);
        };
        let report = match row.get("report") {
            Some(Value::Json(j)) => serde_json::from_value(j.clone()).ok(),
            Some(Value::String(s)) => serde_json::from_str(s).ok(),
            _ => None,
        }
        .unwrap_or_default();
        Ok(Some(Checkpoint {
            position: row
                .get("position")
                .and_then(Value::as_int)
                .and_then(|p| u64::try_from(p).ok())
                .unwrap_or(0),
            report,
            finished: row.get("finishedAt").is_some_and(|v| !v.is_null()),
        }))
    }

    /// Records the start of a run (or of a new pass over a finished one).
    pub async fn begin_run(&self, source: &str, report: &Report) -> Result<(), ImportError> {
        if self.dry_run {
            return Ok(());
        }
        let now = self.ctx.now();
        self.db
            .delete_many(CHECKPOINT_TABLE, &[Where::eq("id", self.run_id.as_str())])
            .await?;
        let mut row = Row::new();
        row.insert("id".into(), self.run_id.clone().into());
        row.insert("source".into(), source.into());
        row.insert("position".into(), 0i64.into());
        row.insert("report".into(), report_json(report));
        row.insert("startedAt".into(), now.into());
        row.insert("updatedAt".into(), now.into());
        self.db.create(CHECKPOINT_TABLE, row).await?;
        Ok(())
    }

    /// Records the end of the run at input position `end`.
    pub async fn finish_run(&self, end: u64, report: &Report) -> Result<(), ImportError> {
        if self.dry_run {
            return Ok(());
        }
        Ok(self.save_position(&self.db, end, report, true).await?)
    }

    /// Writes `entries`, which end at input position `end`, and records `end` with them.
    pub async fn write_batch(
        &mut self,
        entries: &[Entry],
        end: u64,
        report: &mut Report,
    ) -> Result<(), ImportError> {
        if self.dry_run {
            // Reads only: what each entry would do, nothing written.
            let mut added = Added::default();
            let known = self.known(&self.db, entries).await?;
            for entry in entries {
                self.apply(&self.db, entry, &known, report, &mut added, false)
                    .await?;
            }
            self.remember(added);
            return Ok(());
        }
        let mut trial = report.clone();
        let mut added = Added::default();
        let tx = self.db.begin().await?;
        let outcome = async {
            let known = self.known(&*tx, entries).await?;
            for entry in entries {
                self.apply(&*tx, entry, &known, &mut trial, &mut added, true)
                    .await?;
            }
            self.save_position(&*tx, end, &trial, false).await
        }
        .await;
        match outcome {
            Ok(()) => {
                tx.commit().await?;
                *report = trial;
                self.remember(added);
                return Ok(());
            }
            Err(e) if is_refusal(&e) => drop(tx),
            Err(e) => return Err(e.into()),
        }
        // The batch was refused as a whole: one entry per transaction finds the refused one.
        for entry in entries {
            let mut trial = report.clone();
            let mut added = Added::default();
            let tx = self.db.begin().await?;
            let outcome = async {
                let known = self.known(&*tx, std::slice::from_ref(entry)).await?;
                self.apply(&*tx, entry, &known, &mut trial, &mut added, true)
                    .await
            }
            .await;
            match outcome {
                Ok(()) => {
                    tx.commit().await?;
                    *report = trial;
                    self.remember(added);
                }
                Err(e) if is_refusal(&e) => {
                    drop(tx);
                    report.skip(entry_at(entry), refusal_reason(&e));
                    if let Entry::Person(p) = entry {
                        self.not_imported.insert(p.id.clone());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let tx = self.db.begin().await?;
        self.save_position(&*tx, end, report, false).await?;
        tx.commit().await?;
        Ok(())
    }

    fn remember(&mut self, added: Added) {
        self.seen_emails.extend(added.emails);
        self.taken_usernames.extend(added.usernames);
        self.not_imported.extend(added.not_imported);
        self.linked.extend(added.links);
    }

    /// The run's position and report; with `finished`, its end too.
    async fn save_position(
        &self,
        store: &dyn Store,
        end: u64,
        report: &Report,
        finished: bool,
    ) -> Result<(), StorageError> {
        let now = self.ctx.now();
        let mut set = Row::new();
        set.insert(
            "position".into(),
            i64::try_from(end).unwrap_or(i64::MAX).into(),
        );
        set.insert("report".into(), report_json(report));
        set.insert("updatedAt".into(), now.into());
        if finished {
            set.insert("finishedAt".into(), now.into());
        }
        store
            .update(
                CHECKPOINT_TABLE,
                &[Where::eq("id", self.run_id.as_str())],
                set,
            )
            .await?;
        Ok(())
    }

    /// One query per kind for the whole batch: which ids exist, who owns each address, and which
    /// usernames are taken.
    async fn known(&self, store: &dyn Store, entries: &[Entry]) -> Result<Known, StorageError> {
        let mut ids: HashMap<String, Vec<Value>> = HashMap::new();
        let (mut emails, mut usernames) = (Vec::new(), Vec::new());
        for entry in entries {
            match entry {
                Entry::Person(p) => {
                    ids.entry("user".into())
                        .or_default()
                        .push(p.id.clone().into());
                    emails.push(Value::from(p.email.clone()));
                    if let Some(u) = &p.username {
                        usernames.push(Value::from(u.to_lowercase()));
                    }
                }
                Entry::Row { table, row } => {
                    if let Some(id) = row.get("id") {
                        ids.entry(table.clone()).or_default().push(id.clone());
                    }
                    if table == "user"
                        && let Some(email) = row.get("email")
                    {
                        emails.push(email.clone());
                    }
                }
                Entry::Rejected { .. } => {}
            }
        }
        let mut known = Known::default();
        for (table, wanted) in ids {
            let rows = store
                .find_many(&table, &Query::filter(vec![Where::is_in("id", wanted)]))
                .await?;
            known
                .ids
                .insert(table, rows.iter().filter_map(|r| text(r, "id")).collect());
        }
        if !emails.is_empty() {
            for r in store
                .find_many("user", &Query::filter(vec![Where::is_in("email", emails)]))
                .await?
            {
                if let (Some(email), Some(id)) = (text(&r, "email"), text(&r, "id")) {
                    known.email_owner.insert(email, id);
                }
            }
        }
        if !usernames.is_empty() && self.user_table.field("username").is_some() {
            for r in store
                .find_many(
                    "user",
                    &Query::filter(vec![Where::is_in("username", usernames)]),
                )
                .await?
            {
                if let Some(u) = text(&r, "username") {
                    known.usernames.insert(u);
                }
            }
        }
        Ok(known)
    }

    /// The user who owns `email` here, other than `id`: in the database, earlier in this run,
    /// or earlier in this batch.
    fn email_taken(&self, email: &str, id: &str, known: &Known, added: &Added) -> Option<String> {
        known
            .email_owner
            .get(email)
            .or_else(|| self.seen_emails.get(email))
            .or_else(|| {
                added
                    .emails
                    .iter()
                    .find(|(e, _)| e == email)
                    .map(|(_, i)| i)
            })
            .filter(|owner| owner.as_str() != id)
            .cloned()
    }

    async fn apply(
        &self,
        store: &dyn Store,
        entry: &Entry,
        known: &Known,
        report: &mut Report,
        added: &mut Added,
        write: bool,
    ) -> Result<(), StorageError> {
        match entry {
            Entry::Rejected { at, reason } => {
                report.skip(at.clone(), reason.clone());
                Ok(())
            }
            Entry::Person(p) => self.person(store, p, known, report, added, write).await,
            Entry::Row { table, row } => {
                self.copy_row(store, table, row, known, report, added, write)
                    .await
            }
        }
    }

    async fn person(
        &self,
        store: &dyn Store,
        p: &Person,
        known: &Known,
        report: &mut Report,
        added: &mut Added,
        write: bool,
    ) -> Result<(), StorageError> {
        if known.ids.get("user").is_some_and(|ids| ids.contains(&p.id)) {
            report.already_present += 1;
            return Ok(());
        }
        if let Some(owner) = self.email_taken(&p.email, &p.id, known, added) {
            report.conflict(
                p.id.clone(),
                format!(
                    "the e-mail address {} already belongs to user {owner}",
                    p.email
                ),
            );
            added.not_imported.push(p.id.clone());
            return Ok(());
        }
        let now = self.ctx.now();
        let created = p.created_at.unwrap_or(now);
        let updated = p.updated_at.unwrap_or(created);
        let mut user = Row::new();
        user.insert("id".into(), p.id.clone().into());
        user.insert("name".into(), p.name.clone().into());
        user.insert("email".into(), p.email.clone().into());
        user.insert("emailVerified".into(), p.email_verified.into());
        user.insert("image".into(), opt(p.image.clone()));
        user.insert("createdAt".into(), created.into());
        user.insert("updatedAt".into(), updated.into());
        if let Some(username) = &p.username
            && self.user_table.field("username").is_some()
        {
            let normal = username.to_lowercase();
            if known.usernames.contains(&normal)
                || self.taken_usernames.contains(&normal)
                || added.usernames.contains(&normal)
            {
                report.warn(
                    p.id.clone(),
                    format!("the username {username} is taken here; imported without it"),
                );
            } else {
                user.insert("username".into(), normal.clone().into());
                user.insert("displayUsername".into(), username.clone().into());
                added.usernames.push(normal);
            }
        }
        if let Some(phone) = &p.phone
            && self.user_table.field("phoneNumber").is_some()
        {
            user.insert("phoneNumber".into(), phone.number.clone().into());
            user.insert("phoneNumberVerified".into(), phone.verified.into());
        }
        if p.banned && self.user_table.field("banned").is_some() {
            user.insert("banned".into(), true.into());
            user.insert(
                "banReason".into(),
                format!("disabled in {}", report.source).into(),
            );
        }
        let totp = match (&p.totp_key, self.two_factor) {
            (Some(key), true) => Some(key),
            (Some(_), false) => {
                report.warn(
                    p.id.clone(),
                    "has a TOTP second factor, not imported: ENABLE_TWO_FACTOR is off",
                );
                None
            }
            (None, _) => None,
        };
        if totp.is_some() {
            user.insert("twoFactorEnabled".into(), true.into());
        }
        if write {
            store.create("user", user).await?;
        }
        report.created("user");
        added.emails.push((p.email.clone(), p.id.clone()));
        if let Some(hash) = &p.password {
            let mut account = Row::new();
            account.insert("id".into(), derived_id(&["credential", &p.id]).into());
            account.insert("accountId".into(), p.id.clone().into());
            account.insert("providerId".into(), "credential".into());
            account.insert("userId".into(), p.id.clone().into());
            // A weak hash (PBKDF2 under 100,000 iterations, bcrypt under cost 10) is stored
            // wrapped in argon2id: its owner may never sign in to have it replaced.
            let stored = portcullis_core::crypto::imported_hash::wrap_if_weak(hash)
                .unwrap_or_else(|| hash.clone());
            account.insert("password".into(), stored.into());
            account.insert("createdAt".into(), created.into());
            account.insert("updatedAt".into(), updated.into());
            if write {
                store.create("account", account).await?;
            }
            report.created("account");
        }
        if let Some(why) = &p.password_not_carried {
            report.warn(
                p.id.clone(),
                format!("imported without a password ({why}): they sign in by a reset link or another method"),
            );
        }
        for linked in &p.accounts {
            let key = (linked.provider_id.clone(), linked.account_id.clone());
            let owner = self
                .linked
                .get(&key)
                .or_else(|| added.links.iter().find(|(k, _)| *k == key).map(|(_, u)| u));
            if let Some(owner) = owner.filter(|o| **o != p.id) {
                report.conflict(
                    p.id.clone(),
                    format!(
                        "the {} account {} is already linked to user {owner}; not linked",
                        linked.provider_id, linked.account_id
                    ),
                );
                continue;
            }
            if write {
                store
                    .create("account", self.linked_row(p, linked, created, updated))
                    .await?;
            }
            added.links.push((key, p.id.clone()));
            report.created("account");
        }
        if let Some(key) = totp {
            let keys = self.ctx.sealing_keys();
            let mut row = Row::new();
            row.insert("id".into(), derived_id(&["twoFactor", &p.id]).into());
            // `base32:` marks a key that came from elsewhere as text (see two_factor::totp).
            let b32 = base32_of(key);
            row.insert(
                "secret".into(),
                symmetric::seal(keys, &format!("base32:{b32}")).into(),
            );
            row.insert("backupCodes".into(), symmetric::seal(keys, "[]").into());
            row.insert("userId".into(), p.id.clone().into());
            row.insert("verified".into(), true.into());
            if write {
                store.create("twoFactor", row).await?;
            }
            report.created("twoFactor");
        }
        if let Some(why) = &p.totp_not_carried {
            report.warn(p.id.clone(), why.clone());
        }
        Ok(())
    }

    fn linked_row(
        &self,
        p: &Person,
        linked: &LinkedAccount,
        created: DateTime<Utc>,
        updated: DateTime<Utc>,
    ) -> Row {
        let keys = self.ctx.sealing_keys();
        let sealed = |t: &Option<String>| -> Value {
            t.as_deref()
                .filter(|t| !t.is_empty())
                .map_or(Value::Null, |t| symmetric::seal(keys, t).into())
        };
        let mut row = Row::new();
        row.insert(
            "id".into(),
            derived_id(&[&linked.provider_id, &linked.account_id]).into(),
        );
        row.insert("accountId".into(), linked.account_id.clone().into());
        row.insert("providerId".into(), linked.provider_id.clone().into());
        row.insert("userId".into(), p.id.clone().into());
        row.insert("accessToken".into(), sealed(&linked.access_token));
        row.insert("refreshToken".into(), sealed(&linked.refresh_token));
        row.insert("idToken".into(), sealed(&linked.id_token));
        row.insert(
            "accessTokenExpiresAt".into(),
            linked
                .access_token_expires_at
                .map_or(Value::Null, Value::from),
        );
        row.insert("scope".into(), opt(linked.scope.clone()));
        row.insert("createdAt".into(), created.into());
        row.insert("updatedAt".into(), updated.into());
        row
    }

    #[allow(clippy::too_many_arguments)]
    async fn copy_row(
        &self,
        store: &dyn Store,
        table: &str,
        row: &Row,
        known: &Known,
        report: &mut Report,
        added: &mut Added,
        write: bool,
    ) -> Result<(), StorageError> {
        let id = text(row, "id").unwrap_or_default();
        let at = format!("{table} {id}");
        if known.ids.get(table).is_some_and(|ids| ids.contains(&id)) {
            if table == "user" {
                report.already_present += 1;
            }
            return Ok(());
        }
        if let Some(user_id) = text(row, "userId")
            && (self.not_imported.contains(&user_id) || added.not_imported.contains(&user_id))
        {
            report.skip(at, format!("its user {user_id} was not imported"));
            return Ok(());
        }
        let mut row = row.clone();
        if table == "user" {
            let email = text(&row, "email").unwrap_or_default().to_lowercase();
            if let Some(owner) = self.email_taken(&email, &id, known, added) {
                report.conflict(
                    id.clone(),
                    format!("the e-mail address {email} already belongs to user {owner}"),
                );
                added.not_imported.push(id);
                return Ok(());
            }
            row.insert("email".into(), email.clone().into());
            added.emails.push((email, id));
        }
        self.reseal(table, &mut row);
        if write {
            store.create(table, row).await?;
        }
        report.created(table);
        Ok(())
    }

    /// Opens values the source sealed with its own secret and seals them with this server's.
    fn reseal(&self, table: &str, row: &mut Row) {
        let Some(source) = &self.source_secret else {
            return;
        };
        for (t, column) in SEALED_COLUMNS {
            if *t != table {
                continue;
            }
            let Some(stored) = row.get(*column).and_then(Value::as_str) else {
                continue;
            };
            if let Ok(plain) = symmetric::open(SealingKeys::Single(source), stored) {
                let sealed = symmetric::seal(self.ctx.sealing_keys(), &plain);
                row.insert((*column).to_owned(), sealed.into());
            }
        }
    }
}

fn text(row: &Row, field: &str) -> Option<String> {
    row.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn opt(v: Option<String>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn report_json(report: &Report) -> Value {
    Value::Json(serde_json::to_value(report).unwrap_or(serde_json::Value::Null))
}

/// A TOTP key in base32 without padding, as authenticator apps take it.
fn base32_of(key: &[u8]) -> String {
    totp_rs::Secret::Raw(key.to_vec())
        .to_encoded()
        .to_string()
        .trim_end_matches('=')
        .to_owned()
}

/// A refusal the database makes of one entry (a unique value taken, a row it points at
/// missing, a value it cannot store), as opposed to the database being away.
fn is_refusal(e: &StorageError) -> bool {
    matches!(
        e,
        StorageError::UniqueViolation | StorageError::Database(_) | StorageError::Decode { .. }
    )
}

fn refusal_reason(e: &StorageError) -> String {
    match e {
        StorageError::UniqueViolation => {
            "a value that must be unique (e-mail, username, phone number or id) is already taken here".into()
        }
        other => format!("the database refused it: {other}"),
    }
}

fn entry_at(entry: &Entry) -> String {
    match entry {
        Entry::Person(p) => p.id.clone(),
        Entry::Row { table, row } => format!("{table} {}", text(row, "id").unwrap_or_default()),
        Entry::Rejected { at, .. } => at.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::base32_of;

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32_of(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_of(b"CarolKeycloakOtp2024"),
            "INQXE33MJNSXSY3MN5QWWT3UOAZDAMRU"
        );
    }
}
