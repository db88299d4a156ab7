"""Catalogue pages: /products/, /customer-groups/, /price-lists/."""

from django.urls import path

from tillit.sales.views import catalog

urlpatterns = [
    path("products/", catalog.product_list, name="product_list"),
    path("products/new/", catalog.product_create, name="product_create"),
    path("products/<int:product_id>/edit/", catalog.product_edit, name="product_edit"),
    path("customer-groups/", catalog.customer_group_list, name="customer_group_list"),
    path("customer-groups/<int:group_id>/", catalog.customer_group_detail, name="customer_group"),
    path("customer-groups/<int:group_id>/remove/", catalog.customer_group_remove, name="customer_group_remove"),
    path("price-lists/", catalog.price_list_list, name="price_list_list"),
    path("price-lists/new/", catalog.price_list_create, name="price_list_create"),
    path("price-lists/<int:price_list_id>/", catalog.price_list_detail, name="price_list"),
    path("price-lists/<int:price_list_id>/edit/", catalog.price_list_edit, name="price_list_edit"),
    path("price-lists/<int:price_list_id>/prices/<int:product_id>/remove/", catalog.price_remove,
         name="price_remove"),
]
