"""Sales: pipelines and deals, the product catalogue and price lists, quotes and orders.

Amounts are ``Decimal`` (``tillit.core.money``); the list price and the price actually charged
are both kept on every quote and order line, because value insight needs the difference.
Deals, quotes and orders carry ``owner`` and ``team`` so ``tillit.core.access`` can filter them
exactly like people and organisations.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tillit.core.models import TimeStampedModel, VersionedModel
from tillit.core.money import money_field

PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
QUANTITY = {"max_digits": 14, "decimal_places": 3}


class CustomerRecord(models.Model):
    """A record that belongs to a customer (a person and/or an organisation) and has an owner and team."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    organization = models.ForeignKey(
        "people.Organization", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="%(class)ss",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="owned_%(class)ss",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="%(class)ss",
    )

    class Meta:
        abstract = True


# --- pipelines -------------------------------------------------------------------------------


class Pipeline(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class StageOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(TimeStampedModel):
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    # Win probability in percent; weighted value = value × probability / 100.
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    outcome = models.CharField(_("outcome"), max_length=4, choices=StageOutcome.choices, default=StageOutcome.OPEN)
    # "Committed" in the forecast: deals the owner has committed to closing this period.
    is_committed = models.BooleanField(_("counts as committed"), default=False)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_range"),
        ]

    def __str__(self) -> str:
        return self.name


class LostReason(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class Deal(CustomerRecord, VersionedModel):
    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals")
    value = money_field(_("value"))
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    # Set when the deal reaches a won or lost stage; cleared if it is reopened.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason, verbose_name=_("lost reason"), null=True, blank=True, on_delete=models.PROTECT, related_name="deals"
    )
    lost_note = models.TextField(_("why it was lost"), blank=True)
    stage_changed_at = models.DateTimeField(_("in stage since"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    external_id = models.CharField(_("external id"), max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["pipeline", "stage"], name="deal_pipeline_stage"),
            models.Index(fields=["owner", "expected_close_date"], name="deal_owner_close"),
            models.Index(fields=["team", "expected_close_date"], name="deal_team_close"),
            models.Index(fields=["expected_close_date"], name="deal_close_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organization__isnull=False), name="deal_has_party"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="deal_value_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class DealProduct(models.Model):
    """A product the deal is about, with the expected quantity and price."""

    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey("sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), default=Decimal("1"), **QUANTITY)
    unit_price = money_field(_("unit price"))

    class Meta:
        verbose_name = _("deal product")
        verbose_name_plural = _("deal products")
        constraints = [models.UniqueConstraint(fields=["deal", "product"], name="deal_product_unique")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class SalesTarget(TimeStampedModel):
    """A revenue target for one owner or one team (or the company when both are empty) in a period."""

    period_kind = models.CharField(_("period"), max_length=7, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    period_start = models.DateField(_("period start"), help_text=_("The first day of the month or quarter."))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="sales_targets",
    )
    amount = money_field(_("target"))
    currency = models.CharField(_("currency"), max_length=3, default="NOK")

    class Meta:
        ordering = ["period_start"]
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "owner", "team"], name="target_unique_period",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=~Q(owner__isnull=False, team__isnull=False), name="target_owner_or_team"),
        ]


class ExchangeRate(TimeStampedModel):
    """How much one unit of ``currency`` is worth in ``settings.TILLIT_BASE_CURRENCY`` from ``valid_from``."""

    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [models.UniqueConstraint(fields=["currency", "valid_from"], name="rate_unique_day")]


# --- catalogue -------------------------------------------------------------------------------


class Unit(models.TextChoices):
    PIECE = "pcs", _("piece")
    HOUR = "h", _("hour")
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    KG = "kg", _("kg")
    METRE = "m", _("metre")
    LITRE = "l", _("litre")
    KWH = "kWh", _("kWh")


class Product(VersionedModel):
    sku = models.CharField(_("SKU"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    vat_rate = models.DecimalField(_("VAT rate (%)"), default=Decimal("25"), **PERCENT)
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class CustomerGroup(TimeStampedModel):
    """Customers who get their own prices (e.g. "Installers", "Housing co-ops")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    organizations = models.ManyToManyField(
        "people.Organization", verbose_name=_("organisations"), blank=True, related_name="customer_groups"
    )
    persons = models.ManyToManyField(
        "people.Person", verbose_name=_("persons"), blank=True, related_name="customer_groups"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")

    def __str__(self) -> str:
        return self.name


class PriceList(VersionedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    # Empty: the list price for everyone in this currency.
    customer_group = models.ForeignKey(
        CustomerGroup, verbose_name=_("customer group"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="price_lists",
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["currency", "name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(models.Model):
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="prices"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices")
    unit_price = money_field(_("unit price"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_unique_product"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_price} ({self.price_list_id}/{self.product_id})"


# --- quotes and orders -----------------------------------------------------------------------


class Line(models.Model):
    """A priced line: catalogue product or free text; list price and charged price both kept.

    ``net`` = round(quantity × unit_price × (1 − discount/100)); ``vat`` = round(net × vat_rate/100);
    the computed columns are written by the services (``tillit.sales.pricing``), never by hand.
    """

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), default=Decimal("1"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=8, default=Unit.PIECE)
    list_price = money_field(_("list price"), null=True, blank=True)
    unit_price = money_field(_("unit price"))
    discount_percent = models.DecimalField(_("discount (%)"), default=Decimal("0"), **PERCENT)
    vat_rate = models.DecimalField(_("VAT rate (%)"), default=Decimal("25"), **PERCENT)
    net = money_field(_("net"))
    vat = money_field(_("VAT"))

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    # The unit is stored as a code ("pcs", "h") and named in the reader's language — on the PDF, the
    # customer's; a unit that is not one of Tillit's codes shows as stored.
    @property
    def unit_label(self) -> str:
        try:
            return str(Unit(self.unit).label)
        except ValueError:
            return self.unit


class Totals(models.Model):
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    subtotal = money_field(_("subtotal"))
    discount_total = money_field(_("discount"))
    vat_total = money_field(_("VAT"))
    total = money_field(_("total"))

    class Meta:
        abstract = True


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class Quote(CustomerRecord, Totals, VersionedModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    deal = models.ForeignKey(Deal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="quotes")
    status = models.CharField(_("status"), max_length=8, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    # Whole-quote discount in percent, applied after the line discounts.
    discount_percent = models.DecimalField(_("quote discount (%)"), default=Decimal("0"), **PERCENT)
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    valid_until = models.DateField(_("valid until"))
    introduction = models.TextField(_("introduction"), blank=True)
    terms = models.TextField(_("terms"), blank=True)
    recipient_email = models.EmailField(_("send to"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or declined"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The quote this one is a revised copy of: once the copy is sent, the old quote's online link is dead.
    revised_from = models.ForeignKey(
        "self", verbose_name=_("revised from"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="revisions",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [models.Index(fields=["status", "valid_until"], name="quote_status_valid")]

    def __str__(self) -> str:
        return self.number


class QuoteLine(Line):
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")

    class Meta(Line.Meta):
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")


class OrderStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(CustomerRecord, Totals, VersionedModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    quote = models.OneToOneField(
        Quote, verbose_name=_("quote"), null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.REGISTERED)
    order_date = models.DateField(_("order date"))
    delivered_on = models.DateField(_("delivered"), null=True, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-order_date", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["person", "-order_date"], name="order_person_date"),
            models.Index(fields=["organization", "-order_date"], name="order_org_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organization__isnull=False), name="order_has_party"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Not yet shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderLine(Line):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    delivery_status = models.CharField(
        _("delivery"), max_length=9, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    delivered_on = models.DateField(_("delivered"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)

    class Meta(Line.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
