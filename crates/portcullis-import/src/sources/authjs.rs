//! Auth.js (NextAuth): the users and accounts tables its database adapters create. The
//! PostgreSQL/Kysely adapters name them `users`/`accounts`, Prisma `User`/`Account`, Drizzle
//! `user`/`account`; columns are camelCase (`emailVerified`, `providerAccountId`) or, in some
//! adapters, snake_case. Auth.js keeps no passwords; apps with a Credentials provider often
//! add a column of bcrypt hashes to the users table, and it is carried when present.

use std::collections::{HashMap, HashSet};

use chrono::{TimeZone, Utc};

use super::source_db::{SourceDb, column};
use crate::ImportError;
use crate::hashes;
use crate::person::{
    Entry, LinkedAccount, Person, name_or_local_part, normalize_email, parse_time, provider_id,
};

/// The first of `names` that `columns` has.
fn pick<'n>(columns: &HashSet<String>, names: &[&'n str]) -> Option<&'n str> {
    names.iter().copied().find(|n| columns.contains(*n))
}

async fn find_table(
    db: &SourceDb,
    names: &[&'static str],
) -> Result<Option<(&'static str, HashSet<String>)>, ImportError> {
    for name in names {
        let columns = db.columns(None, name).await?;
        if !columns.is_empty() {
            return Ok(Some((name, columns)));
        }
    }
    Ok(None)
}

pub async fn read(url: &str) -> Result<Vec<Entry>, ImportError> {
    let db = SourceDb::connect(url).await?;
    let (users, ucols) = find_table(&db, &["users", "User", "user"])
        .await?
        .ok_or_else(|| {
            ImportError::Input(
                "no Auth.js users table (`users`, `User` or `user`) in the source database".into(),
            )
        })?;
    let select = |names: &[&'static str]| db.text(pick(&ucols, names));
    let user_sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, {} FROM {} ORDER BY {}",
        select(&["id"]),
        select(&["name"]),
        select(&["email"]),
        select(&["emailVerified", "email_verified"]),
        select(&["image"]),
        select(&[
            "password",
            "hashedPassword",
            "passwordHash",
            "hashed_password",
            "password_hash"
        ]),
        select(&["createdAt", "created_at"]),
        select(&["updatedAt", "updated_at"]),
        db.table(None, users),
        db.quote("id"),
    );
    let mut accounts: HashMap<String, Vec<LinkedAccount>> = HashMap::new();
    if let Some((table, acols)) = find_table(&db, &["accounts", "Account", "account"]).await? {
        let select = |names: &[&'static str]| db.text(pick(&acols, names));
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {}, {}, {} FROM {}",
            select(&["userId", "user_id"]),
            select(&["provider"]),
            select(&["providerAccountId", "provider_account_id"]),
            select(&["access_token", "accessToken"]),
            select(&["refresh_token", "refreshToken"]),
            select(&["id_token", "idToken"]),
            select(&["expires_at", "expiresAt"]),
            select(&["scope"]),
            db.table(None, table),
        );
        for row in db.rows(&sql).await? {
            let field = |i: usize| column(&row, i);
            let (Some(user_id), Some(provider), Some(their_id)) = (field(0), field(1), field(2))
            else {
                continue;
            };
            // Credentials and e-mail "accounts" are not provider sign-ins.
            if matches!(
                provider.as_str(),
                "credentials" | "email" | "nodemailer" | "resend"
            ) {
                continue;
            }
            accounts.entry(user_id).or_default().push(LinkedAccount {
                provider_id: provider_id(&provider),
                account_id: their_id,
                access_token: field(3),
                refresh_token: field(4),
                id_token: field(5),
                // Seconds since the epoch, as OAuth's expires_in made absolute.
                access_token_expires_at: field(6)
                    .and_then(|s| s.parse::<i64>().ok())
                    .and_then(|s| Utc.timestamp_opt(s, 0).single()),
                scope: field(7),
            });
        }
    }
    let mut entries = Vec::new();
    for row in db.rows(&user_sql).await? {
        let field = |i: usize| column(&row, i);
        let Some(id) = field(0) else {
            entries.push(Entry::rejected("a user row", "no id"));
            continue;
        };
        let Some(email) = field(2).map(|e| normalize_email(&e)) else {
            entries.push(Entry::rejected(
                id,
                "no e-mail address: Portcullis users need one",
            ));
            continue;
        };
        let mut p = Person {
            name: name_or_local_part(field(1), &email),
            email_verified: field(3).is_some_and(|v| v != "0" && v != "false"),
            image: field(4),
            created_at: field(6).and_then(|t| parse_time(&t)),
            updated_at: field(7).and_then(|t| parse_time(&t)),
            accounts: accounts.remove(&id).unwrap_or_default(),
            id,
            email,
            ..Person::default()
        };
        if let Some(hash) = field(5) {
            match hashes::self_describing(&hash) {
                Ok(stored) => p.password = Some(stored),
                Err(why) => p.password_not_carried = Some(why),
            }
        }
        entries.push(Entry::Person(Box::new(p)));
    }
    Ok(entries)
}
