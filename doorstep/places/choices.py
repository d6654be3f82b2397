from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")


# Digits an area's code has at each level: GB/T 2260 district (6), street (+3), community (+3),
# compound (+3, our own).
CODE_LENGTH = {
    AreaKind.DISTRICT: 6,
    AreaKind.STREET: 9,
    AreaKind.COMMUNITY: 12,
    AreaKind.COMPOUND: 15,
}
