from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from shanzhi.accounts.roles import sync_roles

    sync_roles(verbosity=0)


class AccountsConfig(AppConfig):
    name = "shanzhi.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from shanzhi.accounts import authentication, backends

        backends.connect_invalidation()
        authentication.connect_invalidation()
        # After the last app's migrations, so every app's permissions exist.
        post_migrate.connect(_sync_roles, dispatch_uid="shanzhi.accounts.sync_roles")
