"""Q2.1, Q2.2: citizens sign in with the agency's Digital ID providers (ThaID / D.DOPA style OIDC).

Cognito federates: the citizen pool gets a domain (its hosted endpoints ``/oauth2/authorize``,
``/oauth2/idpresponse``, ``/oauth2/token``), one OIDC identity provider per entry of the tenant's
``identity_providers``, and the citizen web client may use the authorization-code grant with PKCE
to come back to the site. The local stack emulates those endpoints (``local/hosted_ui.py``).

The web client's OAuth settings can only be given when the client is constructed, so the stack
passes ``citizen_oauth_settings(tenant)`` and ``citizen_identity_providers(tenant)`` to
``add_client``; ``CitizenFederation`` makes that client depend on the providers it names.

Officers sign in with a password and a TOTP code at every sign-in (the officer pool: MFA required,
TOTP the only second factor, accounts created by the administrator with a temporary password): the
officer SPA answers Cognito's ``NEW_PASSWORD_REQUIRED``, ``MFA_SETUP`` and ``SOFTWARE_TOKEN_MFA``
challenges. Locally ``local/moto_cognito.py`` makes moto ask them as Cognito does.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnOutput, SecretValue
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from eservice.officer_pool import OfficerGroups
from eservice.tenant import OidcProvider, Tenant

__all__ = [
    "KEEP_VERIFIED_EMAIL",
    "CitizenFederation",
    "OfficerUnitGroups",
    "citizen_identity_providers",
    "citizen_oauth_settings",
    "site_url",
]

#: Both pools (``UserAttributeUpdateSettings``): a new e-mail address replaces the verified one only once the
#: code sent to it is confirmed (``VerifyUserAttribute``); until then official mail keeps going to the
#: verified address, and the ID token's ``email`` stays the verified one (issue 10).
KEEP_VERIFIED_EMAIL = cognito.KeepOriginalAttrs(email=True)


def site_url(tenant: Tenant) -> str:
    """Where Cognito sends the citizen back: the site's root (the site routes on the URL's hash)."""
    return f"https://{tenant.domain}/"


def citizen_oauth_settings(tenant: Tenant) -> cognito.OAuthSettings:
    """Authorization-code grant only (the site adds PKCE; no implicit grant), back to the site."""
    return cognito.OAuthSettings(
        flows=cognito.OAuthFlows(authorization_code_grant=True),
        scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callback_urls=[site_url(tenant)],
        logout_urls=[site_url(tenant)],
    )


def citizen_identity_providers(tenant: Tenant) -> list[cognito.UserPoolClientIdentityProvider]:
    """The e-Service's own accounts (password, e-mail OTP) and each of the agency's providers."""
    return [
        cognito.UserPoolClientIdentityProvider.COGNITO,
        *(cognito.UserPoolClientIdentityProvider.custom(p.id) for p in tenant.identity_providers),
    ]


class CitizenFederation(Construct):
    """The citizen pool's domain and the agency's OIDC identity providers.

    Before the first deployment the agency creates, for each provider, a Secrets Manager secret
    whose value is the plain client secret the provider issued to it, named
    ``identity_providers[].client_secret_name`` (default ``eservice/<tenant id>/oidc/<provider id>``).
    CloudFormation reads it at deployment time (a dynamic reference: the secret is never in the
    template); the deployment fails if the secret does not exist. The provider must allow the
    redirect URI ``<sign_in_url>/oauth2/idpresponse``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: Tenant,
        pool: cognito.UserPool,
        client: cognito.UserPoolClient | None,
        owner_id: str | None = None,
        providers: Sequence[OidcProvider] | None = None,
    ) -> None:
        """``owner_id`` and ``providers`` default to the tenant's; a cell's national pool (``infra/cell.py``)
        names itself and gives the providers of all its tenants, and has no client of its own here."""
        super().__init__(scope, construct_id)
        owner = owner_id or tenant.id
        # The prefix is global per region: one owner (tenant or cell) per prefix.
        self.domain = cognito.UserPoolDomain(
            self,
            "Domain",
            user_pool=pool,
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"eservice-{owner}"),
        )
        self.providers: dict[str, cognito.UserPoolIdentityProviderOidc] = {}
        for provider in tenant.identity_providers if providers is None else providers:
            oidc = cognito.UserPoolIdentityProviderOidc(
                self,
                f"Provider-{provider.id}",
                user_pool=pool,
                name=provider.id,
                issuer_url=provider.issuer,
                client_id=provider.client_id,
                # unsafe_unwrap gives CloudFormation's {{resolve:secretsmanager:...}} reference, not the value.
                client_secret=SecretValue.secrets_manager(provider.secret_name(owner)).unsafe_unwrap(),
                scopes=list(provider.scopes),
                attribute_request_method=cognito.OidcAttributeRequestMethod.GET,
                attribute_mapping=cognito.AttributeMapping(
                    custom={
                        attribute: cognito.ProviderAttribute.other(claim)
                        for attribute, claim in provider.attribute_mapping.items()
                    }
                ),
            )
            # The client names the provider; CloudFormation must create the provider first.
            if client is not None:
                client.node.add_dependency(oidc)
            self.providers[provider.id] = oidc
        self.sign_in_url = self.domain.base_url()
        CfnOutput(self, "CitizenSignInUrl", value=self.sign_in_url)


class OfficerUnitGroups(Construct):
    """R-2.1: one officer pool group per unit of the tenant (``unit-<unit id>``). An officer in a unit's group
    sees that unit's requests; the head and administrators see all (``eservice.units``). An administrator
    sets an officer's units through the API (``PUT /api/officer/officers/{username}/units``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: Tenant,
        pool: cognito.IUserPool,
        groups: OfficerGroups | None = None,
    ) -> None:
        """``groups``: the agency's group names in the pool (prefixed in a cell's shared pool; plain by default)."""
        super().__init__(scope, construct_id)
        from eservice.units import unit_group

        names = groups or OfficerGroups()
        for unit_id, unit in tenant.units.items():
            cognito.CfnUserPoolGroup(
                self,
                f"Unit{unit_id.title().replace('_', '')}",
                user_pool_id=pool.user_pool_id,
                group_name=names.pool_name(unit_group(unit_id)),
                description=f"e-Service officers of the unit: {unit.name.en}"[:2048],
            )
