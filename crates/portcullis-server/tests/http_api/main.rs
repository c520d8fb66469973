//! HTTP-level integration tests: the real server (`build_app` + `serve`) on a random port,
//! exercised over TCP like a browser, a Better Auth client or an attacker would.
//!
//! Every scenario runs on SQLite, on PostgreSQL when `PORTCULLIS_TEST_POSTGRES_URL` is set, and
//! on MySQL/MariaDB when `PORTCULLIS_TEST_MYSQL_URL` is set (e.g.
//! `mysql://root@127.0.0.1:3306/test`); each test gets its own database, dropped afterwards.
//! With `PORTCULLIS_REQUIRE_POSTGRES=1` / `PORTCULLIS_REQUIRE_MYSQL=1` those tests fail instead
//! of skipping when the URL is missing or unreachable.

mod client;
mod harness;
mod scenarios;
mod seam_plugin;

/// Generates one `#[tokio::test]` per scenario and backend: `sqlite::<name>`, `postgres::<name>`,
/// `mysql::<name>`.
macro_rules! per_backend {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(srv) = crate::harness::start(crate::harness::Backend::Sqlite).await {
                        crate::scenarios::$module::$name(&srv).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(srv) = crate::harness::start(crate::harness::Backend::Postgres).await {
                        crate::scenarios::$module::$name(&srv).await;
                    }
                }
            )*
        }
        mod mysql {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(srv) = crate::harness::start(crate::harness::Backend::Mysql).await {
                        crate::scenarios::$module::$name(&srv).await;
                    }
                }
            )*
        }
    };
}

per_backend! {
    sign_up::sign_up_success_shape_and_cookies,
    sign_up::sign_up_duplicate_email_is_422,
    sign_up::sign_up_password_length_rules,
    sign_up::sign_up_schema_errors,
    sign_up::sign_up_body_encodings,
    sign_up::sign_up_origin_and_csrf_rules,
    sign_up::sign_up_callback_url_rules,
    sign_up::sign_up_concurrent_duplicates,
    sign_up::sign_up_ignores_protected_fields_and_remember_me,
    sign_up::sign_up_pathological_json,
    sign_in::sign_in_success_shape,
    sign_in::sign_in_callback_url_redirects,
    sign_in::sign_in_remember_me_false,
    sign_in::sign_in_failures,
    sign_in::sign_in_origin_rules,
    sign_in::sign_in_form_urlencoded,
    session::get_session_with_cookie,
    session::get_session_without_valid_cookie,
    session::get_session_with_bearer,
    session::post_get_session_is_405,
    session::update_session,
    session::cookie_cache_and_disable_cookie_cache,
    session::list_sessions,
    session::revoke_session,
    session::revoke_sessions,
    session::revoke_other_sessions,
    session::sign_out,
    user::update_user,
    user::change_password,
    user::verify_password,
    user::set_password,
    user::delete_user,
    user::list_accounts,
    misc::ok_endpoint,
    misc::error_page_escapes_input,
    misc::openapi_and_reference,
    misc::health,
    misc::unknown_routes_are_empty_404s,
    misc::empty_endpoint_answers_are_json,
    misc::hosted_pages_and_assets,
    misc::cors_for_trusted_origins_only,
    storage::legacy_plain_token_is_upgraded,
    storage::stored_hash_cannot_sign_out_a_session,
    storage::better_auth_scrypt_hash_signs_in_and_is_upgraded,
    storage::expired_session_is_cleared_and_deleted,
    storage::session_refresh_after_update_age,
    storage::passwordless_user_flows,
    config::sign_up_disabled_delete_disabled_trusted_proxy,
    config::email_password_disabled,
    config::email_verification_required,
    config::additional_user_fields,
    config::legacy_session_token_modes,
    misc::every_post_endpoint_rejects_bad_media_and_json,
    rate_limit::rate_limit_builtin_sign_in_rule,
    rate_limit::rate_limit_buckets_per_client_ip,
    rate_limit::rate_limit_custom_rules,
    rate_limit::rate_limit_database_storage,
    rate_limit::rate_limit_plugin_rules,
    rate_limit::account_lockout,
    rate_limit::account_lockout_disabled,
    email_flows::email_verification_flow,
    email_flows::verify_email_bad_tokens,
    email_flows::verify_email_when_signed_in,
    email_flows::send_verification_email_rules,
    email_flows::password_reset_flow,
    email_flows::password_reset_expiry_and_old_path,
    email_flows::change_email_flow,
    email_flows::delete_user_by_email,
    email_flows::welcome_and_new_device_notices,
    magic_link::magic_link_signs_in_new_and_existing_users,
    magic_link::magic_link_expiry_errors_and_takeover,
    magic_link::magic_link_without_sign_up,
    email_otp::email_otp_sign_in,
    email_otp::email_otp_attempts_expiry_and_bad_input,
    email_otp::email_otp_verify_email_and_reset_password,
    username::username_sign_up_and_sign_in,
    username::username_rules_on_sign_up_and_update,
    username::username_that_is_not_a_string,
    phone_number::phone_number_verify_sign_in_and_reset,
    phone_number::phone_number_update_on_own_account,
    hosted_flows::hosted_email_pages,
    hosted_flows::sign_in_links_follow_config,
    hosted_flows::dev_outbox_pages,
    hosted_flows::dev_outbox_escapes_messages,
    hosted_flows::dev_outbox_hidden_in_production,
    seam::issuance_is_held_or_announced_once,
    seam::before_hooks_answer_or_authenticate,
    seam::the_clock_expires_sessions_without_waiting,
    anonymous::anonymous_sign_in_and_link_on_sign_up,
    anonymous::anonymous_link_on_sign_in_and_delete,
    plugin_seams::plugins_bring_routes_pages_and_templates,
}
