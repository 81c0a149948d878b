"""`makemessages` that also extracts `_l("…")`: the project's name for `gettext_lazy` where a module uses both."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
