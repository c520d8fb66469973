//! The `jwks` table and the key that signs now.
//!
//! - The newest live key of the configured algorithm signs (a row without `alg` counts as the
//!   configured one, as Better Auth reads rows written before that column existed). Without
//!   one, a key is made: at first use, or when the newest has signed for the rotation interval.
//! - Rotating sets the old keys' `expiresAt` to now, so Better Auth sharing the table sees them
//!   retired too. A retired key stays in the key set for the grace period, which the settings
//!   keep longer than a token lives, then the rotation job deletes it.
//! - Each instance keeps the signing key it decrypted for `KEY_REFRESH_SECS`, so a rotation
//!   elsewhere reaches it within that time; the key set itself is read from the table on every
//!   request, so a verifier never sees a token whose key is not published yet.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::EncodingKey;
use portcullis_core::crypto::token::generate_id;
use portcullis_core::{ApiError, AuthContext};
use portcullis_storage::{Query, Row, Value, Where};
use serde_json::{Map, Value as Json};

use super::keys::{self, KeyAlgorithm, KeyError};
use super::settings::{JwtSettings, KEY_REFRESH_SECS};

pub const TABLE: &str = "jwks";

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("storage: {0}")]
    Storage(#[from] portcullis_storage::StorageError),
    #[error("{0:?}")]
    Api(ApiError),
}

impl From<ApiError> for KeyRingError {
    fn from(e: ApiError) -> Self {
        KeyRingError::Api(e)
    }
}

impl From<KeyRingError> for ApiError {
    fn from(e: KeyRingError) -> Self {
        match e {
            KeyRingError::Storage(s) => s.into(),
            KeyRingError::Api(a) => a,
            KeyRingError::Key(k) => {
                tracing::error!(error = %k, "jwt: no usable signing key");
                ApiError::internal()
            }
        }
    }
}

/// One row of the `jwks` table.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub id: String,
    pub public_key: String,
    pub private_key: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub alg: Option<String>,
    pub crv: Option<String>,
}

impl StoredKey {
    fn from_row(row: &Row) -> Option<Self> {
        let text = |name: &str| row.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(StoredKey {
            id: text("id")?,
            public_key: text("publicKey")?,
            private_key: text("privateKey")?,
            created_at: row.get("createdAt").and_then(Value::as_date)?,
            expires_at: row.get("expiresAt").and_then(Value::as_date),
            alg: text("alg"),
            crv: text("crv"),
        })
    }

    /// The algorithm it signs with; rows without one are the configured algorithm's.
    pub fn algorithm(&self, settings: &JwtSettings) -> Option<KeyAlgorithm> {
        match &self.alg {
            None => Some(settings.algorithm),
            Some(name) => KeyAlgorithm::parse(name),
        }
    }

    /// Still signing: not retired, and not older than the rotation interval.
    fn signs(&self, settings: &JwtSettings, now: DateTime<Utc>) -> bool {
        let retired = self.expires_at.is_some_and(|e| e <= now);
        let due = settings
            .rotation_secs
            .is_some_and(|r| self.created_at + Duration::seconds(r) <= now);
        !retired && !due
    }

    /// Published: live, or retired less than the grace period ago.
    pub fn published(&self, settings: &JwtSettings, now: DateTime<Utc>) -> bool {
        self.expires_at
            .is_none_or(|e| e + Duration::seconds(settings.grace_secs) > now)
    }

    /// Its JWKS entry, in Better Auth's member order: `alg`, `crv`, the public JWK, `kid`.
    pub fn jwk(&self, settings: &JwtSettings) -> Option<Json> {
        let Ok(Json::Object(public)) = serde_json::from_str::<Json>(&self.public_key) else {
            tracing::warn!(kid = %self.id, "jwt: a stored public key is not a JSON object; left out of the key set");
            return None;
        };
        let mut m = Map::new();
        let alg = self
            .alg
            .clone()
            .unwrap_or_else(|| settings.algorithm.name().to_owned());
        m.insert("alg".into(), alg.into());
        let crv = self.crv.clone().or_else(|| {
            settings
                .algorithm
                .curve()
                .map(str::to_owned)
                .filter(|_| self.alg.is_none())
        });
        if let Some(crv) = crv {
            m.insert("crv".into(), crv.into());
        }
        for (k, v) in public {
            if k != "kid" && k != "alg" {
                m.insert(k, v);
            }
        }
        m.insert("kid".into(), self.id.clone().into());
        Some(Json::Object(m))
    }
}

/// The key that signs, decrypted, and until when this instance trusts it.
pub struct SigningKey {
    pub kid: String,
    pub algorithm: KeyAlgorithm,
    pub key: EncodingKey,
    fresh_until: DateTime<Utc>,
}

#[derive(Default)]
pub struct KeyRing {
    current: RwLock<Option<Arc<SigningKey>>>,
    /// One refresh at a time: requests that find the cache stale wait for it.
    refreshing: tokio::sync::Mutex<()>,
}

pub async fn all_keys(ctx: &AuthContext) -> Result<Vec<StoredKey>, KeyRingError> {
    let rows = ctx.adapter.find_many(TABLE, &Query::default()).await?;
    Ok(rows.iter().filter_map(StoredKey::from_row).collect())
}

impl KeyRing {
    fn cached(&self, now: DateTime<Utc>) -> Option<Arc<SigningKey>> {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|k| k.fresh_until > now).cloned()
    }

    /// The key to sign with now.
    pub async fn signing_key(
        &self,
        ctx: &AuthContext,
        settings: &JwtSettings,
    ) -> Result<Arc<SigningKey>, KeyRingError> {
        if let Some(k) = self.cached(ctx.now()) {
            return Ok(k);
        }
        let _one = self.refreshing.lock().await;
        if let Some(k) = self.cached(ctx.now()) {
            return Ok(k);
        }
        let key = ensure_signing_key(ctx, settings, false).await?;
        self.install(ctx, settings, &key)
    }

    /// Makes a new key sign from now on, here at once and elsewhere within the refresh time.
    pub async fn rotate(
        &self,
        ctx: &AuthContext,
        settings: &JwtSettings,
    ) -> Result<Arc<SigningKey>, KeyRingError> {
        let _one = self.refreshing.lock().await;
        let key = ensure_signing_key(ctx, settings, true).await?;
        self.install(ctx, settings, &key)
    }

    fn install(
        &self,
        ctx: &AuthContext,
        settings: &JwtSettings,
        stored: &StoredKey,
    ) -> Result<Arc<SigningKey>, KeyRingError> {
        let now = ctx.now();
        let algorithm = stored.algorithm(settings).unwrap_or(settings.algorithm);
        let private = keys::open_private(ctx.sealing_keys(), &stored.private_key)?;
        let key = keys::encoding_key(algorithm, &private)?;
        // Trusted until the next look at the table, and never past the moment it stops signing.
        let mut fresh_until = now + Duration::seconds(KEY_REFRESH_SECS);
        if let Some(e) = stored.expires_at {
            fresh_until = fresh_until.min(e);
        }
        if let Some(r) = settings.rotation_secs {
            fresh_until = fresh_until.min(stored.created_at + Duration::seconds(r));
        }
        let signing = Arc::new(SigningKey {
            kid: stored.id.clone(),
            algorithm,
            key,
            fresh_until,
        });
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(signing.clone());
        Ok(signing)
    }
}

/// The newest key that signs, making one (and retiring the others) when there is none or when
/// `rotate` asks for a new one.
pub async fn ensure_signing_key(
    ctx: &AuthContext,
    settings: &JwtSettings,
    rotate: bool,
) -> Result<StoredKey, KeyRingError> {
    let now = ctx.now();
    let stored = all_keys(ctx).await?;
    if !rotate {
        let newest = stored
            .iter()
            .filter(|k| k.algorithm(settings) == Some(settings.algorithm))
            .filter(|k| k.signs(settings, now))
            .max_by_key(|k| k.created_at);
        if let Some(k) = newest {
            return Ok(k.clone());
        }
    }
    let generated = keys::generate(settings.algorithm)?;
    let key = StoredKey {
        id: generate_id(32),
        public_key: Json::Object(generated.public_jwk).to_string(),
        private_key: keys::seal_private(ctx.sealing_keys(), &generated.private_jwk),
        created_at: now,
        expires_at: settings.rotation_secs.map(|r| now + Duration::seconds(r)),
        alg: Some(settings.algorithm.name().to_owned()),
        crv: settings.algorithm.curve().map(str::to_owned),
    };
    let mut row = Row::new();
    row.insert("id".into(), key.id.clone().into());
    row.insert("publicKey".into(), key.public_key.clone().into());
    row.insert("privateKey".into(), key.private_key.clone().into());
    row.insert("createdAt".into(), now.into());
    row.insert(
        "expiresAt".into(),
        key.expires_at.map(Value::from).unwrap_or(Value::Null),
    );
    row.insert("alg".into(), key.alg.clone().into());
    row.insert(
        "crv".into(),
        key.crv.clone().map(Value::from).unwrap_or(Value::Null),
    );
    // The new key and the retirement of the old ones land together.
    let tx = ctx.begin().await?;
    for old in stored
        .iter()
        .filter(|k| k.expires_at.is_none_or(|e| e > now))
    {
        let mut set = Row::new();
        set.insert("expiresAt".into(), now.into());
        tx.store()
            .update(TABLE, &[Where::eq("id", old.id.clone())], set)
            .await?;
    }
    tx.store().create(TABLE, row).await?;
    tx.commit().await?;
    tracing::info!(kid = %key.id, alg = settings.algorithm.name(), retired = stored.len(), "jwt: new signing key");
    Ok(key)
}

/// Deletes keys retired longer ago than the grace period.
pub async fn delete_expired(
    ctx: &AuthContext,
    settings: &JwtSettings,
) -> Result<u64, KeyRingError> {
    let cutoff = ctx.now() - Duration::seconds(settings.grace_secs);
    Ok(ctx
        .adapter
        .delete_many(
            TABLE,
            &[Where::op(
                "expiresAt",
                portcullis_storage::WhereOp::Lt,
                cutoff,
            )],
        )
        .await?)
}
