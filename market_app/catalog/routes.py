"""Product routes: per-stall lists, owner edits, market-wide search."""

from flask.views import MethodView
from flask_smorest import Page

from market_app.catalog import services
from market_app.catalog.models import Product
from market_app.catalog.schemas import (
    ProductSchema,
    ProductSearchArgsSchema,
    ProductUpdateSchema,
    StallProductQueryArgsSchema,
)
from market_app.core import cache, uow
from market_app.core.auth import login_required, optional_user, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.pagination import SelectPage
from market_app.core.schemas import Dumped, row_dumper
from market_app.core.versions import products_scope
from market_app.markets import access
from market_app.markets.models import Stall
from market_app.markets.services import get_stall

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Products and product search")
product_json = row_dumper(ProductSchema(), computed=("sold_out",))
PRODUCT_COLUMNS = product_json.columns(Product.__table__, Stall.name.label("stall.name"))


def _product_items(rows) -> list[dict]:
    return product_json.many(rows, services.product_facts)


class SearchPage(SelectPage):
    """Plain listing pages through SQL; ranked search results are an id list sliced in memory."""

    @property
    def items(self):
        if isinstance(self.collection, services.RankedProducts):
            return Dumped(Page.items.fget(self))
        return super().items

    @property
    def item_count(self):
        if isinstance(self.collection, services.RankedProducts):
            return len(self.collection)
        return super().item_count


def _owned_product(product_id: int) -> Product:
    user = signed_in_user()
    product = services.get_product(product_id)
    access.require_visible_stall(user, product.stall)
    access.require_stall_owner(user, product.stall)
    return product


@blp.route("/stalls/<int:stall_id>/products")
class StallProducts(MethodView):
    @blp.public
    @blp.arguments(StallProductQueryArgsSchema, location="query")
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(404)
    def get(self, args, stall_id):
        """List a stall's products"""
        stall = access.require_visible_stall(optional_user(), get_stall(stall_id))
        return services.stall_products_query(stall, **args)

    @login_required
    @blp.arguments(ProductSchema)
    @blp.response(201, ProductSchema)
    @blp.errors(401, 403, 404)
    def post(self, data, stall_id):
        """Add a product to the stall (its owner)"""
        user = signed_in_user()
        stall = access.require_visible_stall(user, get_stall(stall_id))
        access.require_stall_owner(user, stall)
        product = services.create_product(stall, data)
        uow.commit()
        return product


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    @blp.public
    @blp.response(200, ProductSchema)
    @blp.errors(404)
    def get(self, product_id):
        """Read a product"""
        product = services.get_product(product_id)
        access.require_visible_stall(optional_user(), product.stall)
        return product

    @login_required
    @blp.arguments(ProductUpdateSchema(partial=True))
    @blp.response(200, ProductSchema)
    @blp.errors(401, 403, 404)
    def patch(self, changes, product_id):
        """Edit a product: price, stock, availability... (the stall's owner)"""
        product = services.update_product(_owned_product(product_id), changes)
        uow.commit()
        return product

    @login_required
    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, product_id):
        """Remove a product from sale (kept for past orders)"""
        services.delete_product(_owned_product(product_id))
        uow.commit()


@blp.route("/markets/<int:market_id>/products")
class MarketProducts(MethodView):
    @cache.public(lambda view_args: products_scope(view_args["market_id"]))
    @blp.public
    @blp.arguments(ProductSearchArgsSchema, location="query")
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate(SearchPage)
    @blp.errors(404)
    def get(self, args, market_id):
        """Search a market's available products; best matches first (초성 search supported)"""
        return services.search_products(market_id, PRODUCT_COLUMNS, _product_items, **args)
