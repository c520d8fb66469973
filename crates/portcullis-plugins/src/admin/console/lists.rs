//! What every console list reads from its query and adds to its rows, for the admin plugin's
//! sections and those other plugins bring (API keys, organizations, OAuth clients, the audit
//! log, the webhook delivery log): the page size, text to look for, a user named by address or
//! id, users' addresses, and newest-first keyset pages. Nothing here needs the admin plugin to
//! be on (the audit log and webhooks use it without): these take a context or a store, never
//! the admin plugin's state.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use portcullis_core::endpoint::AuthRequest;
use portcullis_core::{ApiError, AuthContext, users};
use portcullis_storage::{Query, Row, SortDirection, StorageError, Store, Value, Where, WhereOp};

/// Rows per page when the caller does not say, and at most.
pub(crate) const DEFAULT_LIMIT: i64 = 25;
pub(crate) const MAX_LIMIT: i64 = 100;

/// A 400 `VALIDATION_ERROR` saying what is wrong with the query.
pub(crate) fn bad_query(message: &str) -> ApiError {
    ApiError::validation(message.to_owned())
}

/// `limit` as asked, within 1..=MAX_LIMIT; anything unreadable is a 400.
pub(crate) fn page_limit(req: &AuthRequest) -> Result<i64, ApiError> {
    match req.query_param("limit").filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| bad_query("limit must be a whole number from 1 to 100")),
    }
}

/// A query value as text to look for: at most 320 characters (an e-mail address's limit), no
/// control characters (PostgreSQL refuses a NUL in text); empty counts as absent.
pub(crate) fn text_query<'a>(
    req: &'a AuthRequest,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match req.query_param(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() <= 320 && !v.chars().any(char::is_control) => Ok(Some(v)),
        Some(_) => Err(bad_query(&format!(
            "{name} must be at most 320 characters, without control characters"
        ))),
    }
}

/// The user a filter names: an e-mail address (in any case) names whoever has it now, and
/// nobody has it gives `""`, which matches no row; anything else is taken as an id.
pub(crate) async fn user_named(ctx: &AuthContext, named: &str) -> Result<String, ApiError> {
    if !named.contains('@') {
        return Ok(named.to_owned());
    }
    Ok(users::find_user_by_email(ctx, named)
        .await?
        .and_then(|u| u.get("id").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default())
}

/// The e-mail address of each user `ids` names, by id, in one read; a deleted user is absent.
/// (A list, not any iterator: an iterator's closures held across the read would make the
/// handler's future not `Send` for every lifetime.)
pub(crate) async fn user_emails(
    ctx: &AuthContext,
    mut wanted: Vec<&str>,
) -> Result<HashMap<String, String>, ApiError> {
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = wanted.into_iter().map(Value::from).collect();
    let rows = ctx
        .adapter
        .find_many("user", &Query::filter(vec![Where::is_in("id", ids)]))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|u| {
            let id = u.get("id")?.as_str()?;
            let email = u.get("email")?.as_str()?;
            Some((id.to_owned(), email.to_owned()))
        })
        .collect())
}

/// Where a newest-first page ended: its last row's time and id. On the wire (`nextCursor`):
/// `<microseconds since 1970>.<id>`, the time exactly as stored (every backend keeps at most
/// microseconds, so the next page compares it with the column for equality), and nothing a
/// query string must escape for the ids Portcullis makes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    at: DateTime<Utc>,
    id: String,
}

impl Cursor {
    /// Just after `row`, whose time is in `time_field`.
    pub(crate) fn after(row: &Row, time_field: &str) -> Option<Self> {
        Some(Cursor {
            at: row.get(time_field).and_then(Value::as_date)?,
            id: row.get("id").and_then(Value::as_str)?.to_owned(),
        })
    }

    pub(crate) fn encode(&self) -> String {
        format!("{}.{}", self.at.timestamp_micros(), self.id)
    }

    /// A cursor `encode` gave; anything else is `None`. The id is any stored one (imported
    /// rows keep theirs): not empty, at most 255 characters, no control characters.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('.')?;
        // From 1970 to the end of 9999: what every database can compare a date with.
        let micros: i64 = micros.parse().ok()?;
        if !(0..=253_402_300_799_999_999).contains(&micros) {
            return None;
        }
        let at = DateTime::from_timestamp_micros(micros)?;
        let stored =
            !id.is_empty() && id.chars().count() <= 255 && !id.chars().any(char::is_control);
        stored.then(|| Cursor {
            at,
            id: id.to_owned(),
        })
    }
}

/// A page of `table`'s rows matching `wheres`, newest first by `time_field`, then by id
/// descending, after `after`: at most `limit` rows, and the cursor of the next page if more
/// follow. The storage sorts by one column, so the rows of one instant (several deliveries of
/// one event; rows made in the same millisecond on SQLite and MySQL) are read by id in their
/// own query where a page starts or ends among them; inside a page they come in the order the
/// database gives. Ids are only ever compared by the database, whose collation orders them.
/// A page costs two reads, three when it ends inside an instant shared by several rows.
pub(crate) async fn newest_first(
    store: &dyn Store,
    table: &str,
    time_field: &str,
    wheres: &[Where],
    after: Option<&Cursor>,
    limit: usize,
) -> Result<(Vec<Row>, Option<Cursor>), StorageError> {
    let at_most = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let find = |extra: Vec<Where>, sort: &str, n: usize| {
        let mut all = wheres.to_vec();
        all.extend(extra);
        let query = Query::filter(all)
            .sort(sort, SortDirection::Desc)
            .limit(at_most(n));
        async move { store.find_many(table, &query).await }
    };
    let time = |row: &Row| row.get(time_field).and_then(Value::as_date);
    let next_after = |page: &[Row]| page.last().and_then(|r| Cursor::after(r, time_field));
    let limit = limit.max(1);

    let mut page = Vec::new();
    // The rest of the instant the previous page ended in.
    if let Some(c) = after {
        page = find(
            vec![
                Where::eq(time_field, c.at),
                Where::op("id", WhereOp::Lt, c.id.as_str()),
            ],
            "id",
            limit + 1,
        )
        .await?;
        if page.len() > limit {
            page.truncate(limit);
            let next = next_after(&page);
            return Ok((page, next));
        }
    }
    let room = limit - page.len();
    let older = after
        .map(|c| Where::op(time_field, WhereOp::Lt, c.at))
        .into_iter()
        .collect();
    let mut rows = find(older, time_field, room + 1).await?;
    if rows.len() <= room {
        page.extend(rows);
        return Ok((page, None));
    }
    if room == 0 {
        let next = next_after(&page);
        return Ok((page, next));
    }
    // More follow, and the page ends in the instant of its last row: if others share that
    // instant (among them, perhaps, the row read past the page), it is read again by id, so
    // that the next page goes on from the right one.
    let edge = time(&rows[room - 1]);
    let sharing = rows.iter().filter(|r| time(r) == edge).count();
    rows.truncate(room);
    if let Some(edge) = edge.filter(|_| sharing > 1) {
        rows.retain(|r| time(r) != Some(edge));
        let wanted = room - rows.len();
        page.extend(rows);
        page.extend(find(vec![Where::eq(time_field, edge)], "id", wanted).await?);
    } else {
        page.extend(rows);
    }
    let next = next_after(&page);
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let at = DateTime::from_timestamp_micros(1_800_000_000_123_456).expect("date");
        let c = Cursor {
            at,
            id: "Ab.c_9".into(),
        };
        assert_eq!(c.encode(), "1800000000123456.Ab.c_9");
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        let mut row = Row::new();
        row.insert("sentAt".into(), at.into());
        row.insert("id".into(), "x|y".into());
        let back = Cursor::after(&row, "sentAt").map(|c| c.encode());
        assert_eq!(back.as_deref(), Some("1800000000123456.x|y"));
        assert_eq!(Cursor::after(&row, "createdAt"), None, "no such time");
        for bad in [
            "",
            "abc",
            "12.",
            "12",
            "x.msg_1",
            "-5.msg_1",
            "999999999999999999.msg_1",
            "99999999999999999999.msg_1",
            "12.a\u{0}b",
            "2026-01-01T00:00:00Z_abc",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
        assert!(Cursor::parse(&format!("12.{}", "i".repeat(256))).is_none());
        assert!(Cursor::parse(&format!("12.{}", "i".repeat(255))).is_some());
    }
}
