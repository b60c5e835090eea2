"""The endpoints anyone may reach without signing in, kept in one place on purpose.

Everything else answers 401 (API) or sends the visitor to the sign-in page (web). The app
refuses to start when an API operation is declared public (`roles=PUBLIC`) but is missing here,
and the authorization matrix test (tests/service/test_authz_matrix.py) checks every route of
the URL map against this list, so a new endpoint is never public by accident."""

PUBLIC_ENDPOINTS: dict[str, str] = {
    "api.create_token": "exchanging a password for a token is how one signs in",
    "api.accept_invitation": "a new user chooses a password with a one-time invitation code",
    "api.request_password_reset": "someone who forgot their password asks for a reset link",
    "api.confirm_password_reset": "a reset link's code sets a new password",
    "api.confirm_email": "the code of a link sent to a new address moves the account to it",
    "api.health": "load balancers and monitors ask whether the service is up",
    "api.calendar_feed": "calendar apps cannot sign in; the URL holds a revocable token",
    "docs.openapi_document": "the API description for companion-app developers",
    "docs.docs_page": "the interactive API reference",
    "docs.docs_asset": "its scripts and styles",
    "static": "stylesheets, scripts and icons of the pages",
    "web.login": "the sign-in page",
    "web.login_code": "the second sign-in step, for a code after a right password",
    "web.welcome": "the page where an invited person chooses a password",
    "web.forgot_password": "someone who forgot their password asks for a reset link",
    "web.reset_password": "the one-time reset link's page, where a new password is chosen",
    "web.confirm_email": "the page of a link sent to a new address, where the move is confirmed",
    "web.logout": "signing out only ends a session (and needs the form's CSRF token)",
}


def check_operations(operations) -> None:
    """Stop the start when an API operation is public but not listed above."""
    for op in operations:
        endpoint = f"api.{op.operation_id}"
        if not op.audience.signed_in and endpoint not in PUBLIC_ENDPOINTS:
            raise RuntimeError(
                f"{op.method} {op.path} is public (roles=PUBLIC) but {endpoint} is not listed in "
                "service/public.py; list it there with the reason, or give it roles"
            )
