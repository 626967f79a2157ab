"""The analysis vocabulary: which names mean owner, identity, authorization and so on.

Every list here is configurable in ``[tool.flaskmongo-lint]`` under the same name with dashes
(``owner-fields``), and each has an ``extend-`` twin that adds to the default instead of replacing it.
Entries may use ``*`` as a wildcard (``check_owner*``); matching is case-sensitive except where noted
(``secret-fields`` ignores case: ``Password``, ``PASSWORD_HASH`` and ``apiKey``-style names all occur).
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Iterable, Pattern, Tuple

DEFAULT_OWNER_FIELDS: Tuple[str, ...] = (
    "owner", "owner_id", "ownerId", "user", "user_id", "userId", "author", "author_id", "authorId",
    "created_by", "createdBy", "tenant", "tenant_id", "tenantId", "org_id", "orgId", "organization_id",
    "account_id", "accountId", "customer_id", "customerId", "members", "shared_with",
)
DEFAULT_ID_FIELDS: Tuple[str, ...] = ()
DEFAULT_CAPABILITY_FIELDS: Tuple[str, ...] = (
    "token", "*_token", "*Token", "secret", "*_secret", "nonce", "otp", "api_key", "apiKey",
)
DEFAULT_IDENTITY_FUNCTIONS: Tuple[str, ...] = (
    "get_jwt_identity", "get_current_user*", "current_identity", "get_jwt", "current_user",
)
DEFAULT_IDENTITY_NAMES: Tuple[str, ...] = (
    "current_user", "user", "current_user_id", "user_id", "uid", "identity", "me", "account",
    "auth_user", "principal",
)
DEFAULT_AUTH_DECORATORS: Tuple[str, ...] = (
    "login_required", "jwt_required", "token_required", "auth_required", "*login*", "*auth*",
    "fresh_jwt_required", "jwt_optional",
)
DEFAULT_ROLE_DECORATORS: Tuple[str, ...] = (
    "admin_required", "roles_required", "roles_accepted", "permission_required", "*admin*",
)
DEFAULT_AUTHZ_FUNCTIONS: Tuple[str, ...] = (
    "is_owner", "check_owner*", "can_*", "authorize*", "has_permission", "require_*", "assert_*owner*",
    "user_owns*", "ensure_owner*", "verify_owner*",
)
DEFAULT_VALIDATOR_FUNCTIONS: Tuple[str, ...] = ("validate*", "check*", "clean*", "sanitize*")
DEFAULT_PUBLIC_COLLECTIONS: Tuple[str, ...] = ()
# Session keys whose value names the signed-in user (other session values are server state).
DEFAULT_SESSION_USER_KEYS: Tuple[str, ...] = (
    "user", "user_id", "userId", "uid", "username", "email", "account_id", "_user_id", "*_user_id", "identity",
)
# Stored fields that must never reach a client whole-document response (FM401); matched case-insensitively
# against each part of a field's dotted path.
DEFAULT_SECRET_FIELDS: Tuple[str, ...] = ("password*", "*_hash", "*token*", "secret*", "api_key", "otp*")
# Lists matched without regard to case.
CASE_INSENSITIVE: Tuple[str, ...] = ("secret_fields",)


def _compile(patterns: Iterable[str], ignore_case: bool = False) -> Pattern[str]:
    parts = [fnmatch.translate(p) for p in patterns]
    return re.compile("|".join(parts) if parts else r"(?!)", re.IGNORECASE if ignore_case else 0)


@dataclass(frozen=True)
class AnalysisSettings:
    """The names the analysis recognises; one frozen object for a whole run."""

    owner_fields: Tuple[str, ...] = DEFAULT_OWNER_FIELDS
    id_fields: Tuple[str, ...] = DEFAULT_ID_FIELDS
    capability_fields: Tuple[str, ...] = DEFAULT_CAPABILITY_FIELDS
    identity_functions: Tuple[str, ...] = DEFAULT_IDENTITY_FUNCTIONS
    identity_names: Tuple[str, ...] = DEFAULT_IDENTITY_NAMES
    auth_decorators: Tuple[str, ...] = DEFAULT_AUTH_DECORATORS
    role_decorators: Tuple[str, ...] = DEFAULT_ROLE_DECORATORS
    authz_functions: Tuple[str, ...] = DEFAULT_AUTHZ_FUNCTIONS
    validator_functions: Tuple[str, ...] = DEFAULT_VALIDATOR_FUNCTIONS
    public_collections: Tuple[str, ...] = DEFAULT_PUBLIC_COLLECTIONS
    session_user_keys: Tuple[str, ...] = DEFAULT_SESSION_USER_KEYS
    secret_fields: Tuple[str, ...] = DEFAULT_SECRET_FIELDS

    def matches(self, list_name: str, name: str) -> bool:
        """Whether ``name`` matches one of the patterns of the list ``list_name`` (e.g. ``owner_fields``)."""
        return _matcher(getattr(self, list_name), list_name in CASE_INSENSITIVE).fullmatch(name) is not None


@lru_cache(maxsize=64)
def _matcher(patterns: Tuple[str, ...], ignore_case: bool = False) -> Pattern[str]:
    return _compile(patterns, ignore_case)


ANALYSIS_LISTS: Tuple[str, ...] = tuple(f.name for f in fields(AnalysisSettings))
