"""Catalogue pages: products, customer groups, price lists with their prices. Thin: selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import AccessDenied, Conflict, DomainError
from tillit.core.views import STALE_EDIT, found
from tillit.sales.forms_catalog import CustomerGroupForm, GroupMemberForm, PriceForm, PriceListForm, ProductForm
from tillit.sales.selectors import catalog as selectors
from tillit.sales.services import catalog as services

PAGE_SIZE = 50


def _editor_only(request: HttpRequest) -> None:
    try:
        services.ensure_catalog_editor(request.user)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None


# --- products -------------------------------------------------------------------------------
def product_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    show = request.GET.get("show", "active")
    active = {"active": True, "inactive": False}.get(show)
    qs = selectors.product_list(actor=request.user, q=q, category=category, active=active)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page, "q": q, "category": category, "show": show, "filtered": bool(q or category),
        "categories": selectors.product_categories(actor=request.user),
        "can_edit": services.can_edit_catalog(request.user),
    }
    template = "sales/catalog/product_list.html#results" if request.htmx else "sales/catalog/product_list.html"
    return render(request, template, context)


def product_create(request: HttpRequest) -> HttpResponse:
    _editor_only(request)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(actor=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": product.name})
            return redirect("sales:product_list")
    return render(request, "sales/catalog/product_form.html", {"form": form, "product": None})


def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    _editor_only(request)
    product = found(selectors.product_get, actor=request.user, product_id=product_id)
    form = ProductForm(request.POST or None, product=product)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(actor=request.user, product=product,
                                    expected_version=form.cleaned_data["version"], **form.service_fields())
        except Conflict:
            form.add_error(None, STALE_EDIT)
            status = 409
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": product.name})
            return redirect("sales:product_list")
    return render(request, "sales/catalog/product_form.html", {"form": form, "product": product}, status=status)


# --- customer groups ------------------------------------------------------------------------
def customer_group_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.customer_group_list(actor=request.user)
    can_edit = services.can_edit_catalog(request.user)
    form = CustomerGroupForm(request.POST or None)
    if request.method == "POST":
        _editor_only(request)
        if form.is_valid():
            try:
                group = services.customer_group_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error("name" if exc.field == "name" else None, exc.message)
            else:
                messages.success(request, _("Customer group %(name)s is created.") % {"name": group.name})
                return redirect("sales:customer_group", group_id=group.pk)
    return render(request, "sales/catalog/customer_groups.html",
                  {"groups": groups, "form": form, "can_edit": can_edit})


def customer_group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group = found(selectors.customer_group_get, actor=request.user, group_id=group_id)
    can_edit = services.can_edit_catalog(request.user)
    form = GroupMemberForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        _editor_only(request)
        if form.is_valid():
            org, person = form.cleaned_data["organization"], form.cleaned_data["person_email"]
            services.customer_group_update(
                actor=request.user, group=group,
                organizations=[*group.organizations.all(), org] if org else None,
                persons=[*group.persons.all(), person] if person else None,
            )
            name = org.name if org else person.full_name
            messages.success(request, _("%(name)s is in the group.") % {"name": name})
            return redirect("sales:customer_group", group_id=group.pk)
    return render(request, "sales/catalog/customer_group.html", {
        "group": group, "form": form, "can_edit": can_edit, "price_lists": group.price_lists.all(),
    })


@require_POST
def customer_group_remove(request: HttpRequest, group_id: int) -> HttpResponse:
    _editor_only(request)
    group = found(selectors.customer_group_get, actor=request.user, group_id=group_id)
    org_id, person_id = request.POST.get("organization"), request.POST.get("person")
    services.customer_group_update(
        actor=request.user, group=group,
        organizations=[o for o in group.organizations.all() if str(o.pk) != org_id],
        persons=[p for p in group.persons.all() if str(p.pk) != person_id],
    )
    return redirect("sales:customer_group", group_id=group.pk)


# --- price lists ----------------------------------------------------------------------------
def price_list_list(request: HttpRequest) -> HttpResponse:
    return render(request, "sales/catalog/price_lists.html", {
        "price_lists": selectors.price_list_list(actor=request.user),
        "can_edit": services.can_edit_catalog(request.user),
    })


def price_list_create(request: HttpRequest) -> HttpResponse:
    _editor_only(request)
    form = PriceListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            price_list = services.price_list_create(actor=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Price list %(name)s is created; add its prices.") % {"name": price_list.name})
            return redirect("sales:price_list", price_list_id=price_list.pk)
    return render(request, "sales/catalog/price_list_form.html", {"form": form, "price_list": None})


def price_list_edit(request: HttpRequest, price_list_id: int) -> HttpResponse:
    _editor_only(request)
    price_list = found(selectors.price_list_get, actor=request.user, price_list_id=price_list_id)
    form = PriceListForm(request.POST or None, price_list=price_list)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.price_list_update(actor=request.user, price_list=price_list,
                                       expected_version=form.cleaned_data["version"], **form.service_fields())
        except Conflict:
            form.add_error(None, STALE_EDIT)
            status = 409
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Price list %(name)s is saved.") % {"name": price_list.name})
            return redirect("sales:price_list", price_list_id=price_list.pk)
    return render(request, "sales/catalog/price_list_form.html", {"form": form, "price_list": price_list},
                  status=status)


def price_list_detail(request: HttpRequest, price_list_id: int) -> HttpResponse:
    price_list = found(selectors.price_list_get, actor=request.user, price_list_id=price_list_id)
    form = PriceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _editor_only(request)
        if form.is_valid():
            try:
                services.price_set(actor=request.user, price_list=price_list, **form.cleaned_data)
            except DomainError as exc:
                form.add_error("unit_price" if exc.field == "unit_price" else None, exc.message)
                status = 422
            else:
                messages.success(request, _("The price of %(product)s is saved.")
                                 % {"product": form.cleaned_data["product"].name})
                return redirect("sales:price_list", price_list_id=price_list.pk)
    return render(request, "sales/catalog/price_list.html", {
        "price_list": price_list, "prices": selectors.price_list_prices(price_list=price_list), "form": form,
        "can_edit": services.can_edit_catalog(request.user),
    }, status=status)


@require_POST
def price_remove(request: HttpRequest, price_list_id: int, product_id: int) -> HttpResponse:
    _editor_only(request)
    price_list = found(selectors.price_list_get, actor=request.user, price_list_id=price_list_id)
    product = found(selectors.product_get, actor=request.user, product_id=product_id)
    services.price_remove(actor=request.user, price_list=price_list, product=product)
    return redirect("sales:price_list", price_list_id=price_list.pk)
