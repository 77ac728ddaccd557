from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """The staff login form; django-axes counts its failures and locks repeated ones."""

    error_messages = {
        "invalid_login": _("登录名或密码不正确。连续输错多次后账号将被暂时锁定。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
