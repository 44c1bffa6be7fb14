"""One search for the page and the API: words, filters, "similar to" -> a page of products and its plan."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from closet.models import Garment
from shop import selectors
from shop.models import Product
from shop.query import ParsedQuery, query_parse


@dataclass
class SearchResult:
    page: selectors.SearchPage
    parsed: ParsedQuery | None
    anchor: Garment | Product | None


def search_run(*, user, params: dict, page_size: int = 20) -> SearchResult:
    """params: validated ProductSearchParams. Explicit filters add to those read from the words."""
    from closet.services import garment_shop_vector
    from shop.inference import text_vectors

    f = selectors.ProductFilter(
        categories=list(params.get("category") or []),
        groups=[params["group"]] if params.get("group") else [],
        genders=list(params.get("gender") or []),
        colours=[params["colour"].lower()] if params.get("colour") else [],
        min_price=params.get("min_price"),
        max_price=params.get("max_price"),
        in_stock=params.get("in_stock"),
        shop=params.get("shop") or "",
    )
    size = params.get("page_size") or page_size
    offset = (max(params.get("page") or 1, 1) - 1) * size
    vector, parsed, anchor = None, None, None
    if params.get("similar_to_garment"):
        anchor = get_object_or_404(Garment, id=params["similar_to_garment"], owner=user)
        vector = garment_shop_vector(anchor)
    elif params.get("similar_to_product"):
        anchor = get_object_or_404(Product, id=params["similar_to_product"], status=Product.Status.READY)
        return SearchResult(
            selectors.similar_products(anchor=anchor, filters=f, offset=offset, limit=size), None, anchor
        )
    elif (params.get("q") or "").strip():
        parsed = query_parse(params["q"])
        f.categories = f.categories or parsed.categories
        f.colours = f.colours or parsed.colours
        f.genders = f.genders or parsed.genders
        f.min_price = f.min_price if f.min_price is not None else parsed.min_price
        f.max_price = f.max_price if f.max_price is not None else parsed.max_price
        f.in_stock = f.in_stock if f.in_stock is not None else parsed.in_stock
        vector = text_vectors([parsed.text])[0]
    return SearchResult(selectors.product_search(vector=vector, filters=f, offset=offset, limit=size), parsed, anchor)
