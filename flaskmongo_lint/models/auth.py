"""Authentication and authorisation: flask-login, flask-jwt-extended, flask-jwt, flask-httpauth,
quart-auth and friends. Identities, calls that enforce a login, role vocabulary."""
from __future__ import annotations

import re

IDENTITY_OBJECTS = frozenset({
    "flask_login.current_user", "flask_login.utils.current_user", "flask_jwt_extended.current_user",
    "flask_jwt.current_identity", "flask_security.current_user", "flask_user.current_user",
    "flask_praetorian.current_user_id", "quart_auth.current_user",
})
IDENTITY_CALLS = frozenset({
    "flask_jwt_extended.get_jwt_identity", "flask_jwt_extended.get_jwt", "flask_jwt_extended.get_current_user",
    "flask_jwt_extended.utils.get_jwt_identity", "flask_jwt_extended.get_raw_jwt",
    "flask_jwt_extended.get_jwt_claims", "flask_praetorian.current_user", "flask_praetorian.current_user_id",
})
# Calls that raise (ending the request) unless a valid credential came with it.
ENFORCING_CALLS = frozenset({
    "flask_jwt_extended.verify_jwt_in_request", "flask_jwt_extended.verify_fresh_jwt_in_request",
    "flask_jwt_extended.view_decorators.verify_jwt_in_request", "flask_jwt_extended.verify_jwt_refresh_token_in_request",
})
HTTPAUTH_CLASSES = frozenset({
    "flask_httpauth.HTTPBasicAuth", "flask_httpauth.HTTPTokenAuth", "flask_httpauth.HTTPDigestAuth",
    "flask_httpauth.MultiAuth",
})
HTTPAUTH_IDENTITY_METHODS = frozenset({"current_user", "username"})
# Attributes of the identity that are true when nobody is signed in.
ANONYMOUS_ATTRIBUTES = frozenset({"is_anonymous"})
# Words that make a test of the identity a role test.
ROLE_WORD = re.compile(r"(?i)admin|role|staff|superuser|super_user|is_super|permission|moderator|privilege|scope")
