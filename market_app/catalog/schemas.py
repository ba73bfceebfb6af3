"""Product schemas."""

from marshmallow import fields, validate

from market_app.catalog.models import Product
from market_app.core.fields import Boolean, QueryBoolean, column_length, identifier, string
from market_app.core.schemas import BaseSchema, won

MAX_STOCK = 100_000


class ProductSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    stall_id = fields.Integer(dump_only=True)
    market_id = fields.Integer(dump_only=True)
    name = string(Product.name, 1, required=True)
    description = string(2000, load_default="")
    unit = string(Product.unit, 1, required=True,
                  metadata={"description": 'Selling unit, e.g. "1근 (600g)", "1kg", "한 봉지"'})
    price = won(required=True, metadata={"description": "Price in won (KRW, integer)"})
    stock = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(0, MAX_STOCK),
                           metadata={"description": "Units in stock; null when the stall does not track stock"})
    available = Boolean(load_default=True)
    category = string(Product.category, 1, load_default=None, allow_none=True)
    image_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                           validate=validate.Length(max=column_length(Product.image_url)))
    max_per_order = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 99))
    sold_out = fields.Boolean(dump_only=True)
    stall_name = fields.String(attribute="stall.name", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ProductUpdateSchema(ProductSchema):
    """Partial update: only the fields sent change."""


class StallProductQueryArgsSchema(BaseSchema):
    available = QueryBoolean()
    category = string(Product.category, 1)


class ProductSearchArgsSchema(BaseSchema):
    q = string(50, 1, metadata={"description": "Korean text; initial consonants work too (ㄷㅈㄱㄱ, 돼ㅈ)"})
    category = string(Product.category, 1)
    stall_id = identifier(strict=False)
