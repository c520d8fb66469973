//! The organization plugin's settings: variables, or keys of `[plugins.organization]` (the
//! variable wins), and the access-control model (see `access.rs`).

use portcullis_core::{Config, ConfigError};

use super::access::AccessControl;
use super::teams::TeamSettings;

#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationSettings {
    /// Whether users may create organizations (`allowUserToCreateOrganization`).
    pub allow_user_to_create: bool,
    /// Organizations a user may belong to when creating another (`organizationLimit`).
    pub organization_limit: Option<u64>,
    /// Members an organization may have (`membershipLimit`, default 100).
    pub membership_limit: u64,
    /// Pending invitations an organization may have (`invitationLimit`, default 100).
    pub invitation_limit: u64,
    /// Seconds an invitation lasts (`invitationExpiresIn`, default 48 h).
    pub invitation_expires_in: i64,
    /// The creator's role (`creatorRole`, default `owner`).
    pub creator_role: String,
    /// `disableOrganizationDeletion`.
    pub disable_deletion: bool,
    /// `cancelPendingInvitationsOnReInvite`.
    pub cancel_pending_on_reinvite: bool,
    /// `requireEmailVerificationOnInvitation`.
    pub require_email_verification: bool,
    /// `teams.enabled` and its limits (`None`: no teams).
    pub teams: Option<TeamSettings>,
    /// `dynamicAccessControl.enabled`: the role endpoints.
    pub dynamic_roles: bool,
    /// `dynamicAccessControl.maximumRolesPerOrganization` (default: no limit).
    pub maximum_roles_per_organization: Option<u64>,
    pub access: AccessControl,
}

/// The variable that names a JSON access-control file.
pub const ACCESS_FILE_VAR: &str = "ORGANIZATION_ACCESS_CONTROL_FILE";

impl OrganizationSettings {
    /// `None` unless `ENABLE_ORGANIZATIONS` (or `[plugins.organization] enabled`) is on.
    pub fn load(config: &Config) -> Result<Option<Self>, ConfigError> {
        let src = config.sources.plugin("organization");
        if !src.flag("enabled", Some("ENABLE_ORGANIZATIONS"), false)? {
            return Ok(None);
        }
        let positive = |key: &str, var: &str, default: u64| -> Result<u64, ConfigError> {
            let v: u64 = src.parse(key, Some(var), default, "a whole number")?;
            if v == 0 {
                return Err(ConfigError::new(var, "must be at least 1"));
            }
            Ok(v)
        };
        let organization_limit = match src.get("organization_limit", Some("ORGANIZATION_LIMIT"))? {
            None => None,
            Some((var, v)) => Some(v.parse::<u64>().map_err(|_| {
                ConfigError::new(&var, format!("must be a whole number, got `{v}`"))
            })?),
        };
        let invitation_expires_in: i64 = src.parse(
            "invitation_expires_in",
            Some("ORGANIZATION_INVITATION_EXPIRES_IN"),
            172_800,
            "a number of seconds",
        )?;
        if !(60..=365 * 86_400).contains(&invitation_expires_in) {
            return Err(ConfigError::new(
                "ORGANIZATION_INVITATION_EXPIRES_IN",
                "must be between 60 seconds and a year",
            ));
        }
        let creator_role =
            src.string("creator_role", Some("ORGANIZATION_CREATOR_ROLE"), "owner")?;
        let access = load_access(config)?;
        if !access.roles.contains_key(&creator_role) {
            return Err(ConfigError::new(
                "ORGANIZATION_CREATOR_ROLE",
                format!("names `{creator_role}`, which the access-control roles lack"),
            ));
        }
        Ok(Some(OrganizationSettings {
            allow_user_to_create: src.flag(
                "allow_user_to_create",
                Some("ORGANIZATION_ALLOW_USER_TO_CREATE"),
                true,
            )?,
            organization_limit,
            membership_limit: positive("membership_limit", "ORGANIZATION_MEMBERSHIP_LIMIT", 100)?,
            invitation_limit: positive("invitation_limit", "ORGANIZATION_INVITATION_LIMIT", 100)?,
            invitation_expires_in,
            creator_role,
            disable_deletion: src.flag(
                "disable_deletion",
                Some("ORGANIZATION_DISABLE_DELETION"),
                false,
            )?,
            cancel_pending_on_reinvite: src.flag(
                "cancel_pending_invitations_on_reinvite",
                Some("ORGANIZATION_CANCEL_PENDING_INVITATIONS_ON_REINVITE"),
                false,
            )?,
            require_email_verification: src.flag(
                "require_email_verification_on_invitation",
                Some("ORGANIZATION_REQUIRE_EMAIL_VERIFICATION_ON_INVITATION"),
                false,
            )?,
            teams: if src.flag("teams", Some("ORGANIZATION_TEAMS"), false)? {
                let opt = |key: &str, var: &str| -> Result<Option<u64>, ConfigError> {
                    match src.get(key, Some(var))? {
                        None => Ok(None),
                        Some((var, v)) => v
                            .parse::<u64>()
                            .ok()
                            .filter(|n| *n > 0)
                            .map(Some)
                            .ok_or_else(|| {
                                ConfigError::new(
                                    &var,
                                    format!("must be a whole number of at least 1, got `{v}`"),
                                )
                            }),
                    }
                };
                Some(TeamSettings {
                    maximum_teams: opt("maximum_teams", "ORGANIZATION_MAXIMUM_TEAMS")?,
                    maximum_members_per_team: opt(
                        "maximum_members_per_team",
                        "ORGANIZATION_MAXIMUM_MEMBERS_PER_TEAM",
                    )?,
                    allow_removing_all_teams: src.flag(
                        "allow_removing_all_teams",
                        Some("ORGANIZATION_ALLOW_REMOVING_ALL_TEAMS"),
                        false,
                    )?,
                    default_team: src.flag(
                        "default_team",
                        Some("ORGANIZATION_DEFAULT_TEAM"),
                        true,
                    )?,
                })
            } else {
                None
            },
            dynamic_roles: src.flag("dynamic_roles", Some("ORGANIZATION_DYNAMIC_ROLES"), false)?,
            maximum_roles_per_organization: match src.get(
                "maximum_roles_per_organization",
                Some("ORGANIZATION_MAXIMUM_ROLES"),
            )? {
                None => None,
                Some((var, v)) => Some(v.parse::<u64>().map_err(|_| {
                    ConfigError::new(&var, format!("must be a whole number, got `{v}`"))
                })?),
            },
            access,
        }))
    }
}

/// The access-control model: a JSON file (`ORGANIZATION_ACCESS_CONTROL_FILE` or
/// `access_control_file`), else the `[plugins.organization.access_control]` table, else Better
/// Auth's defaults.
fn load_access(config: &Config) -> Result<AccessControl, ConfigError> {
    let src = config.sources.plugin("organization");
    Ok(AccessControl::load(&src, ACCESS_FILE_VAR)?.unwrap_or_else(super::access::default_access))
}
