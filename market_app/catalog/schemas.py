"""Product schemas."""

from marshmallow import fields, validate

from market_app.core.schemas import BaseSchema, won

MAX_STOCK = 100_000


class ProductSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    stall_id = fields.Integer(dump_only=True)
    market_id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 100))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    unit = fields.String(required=True, validate=validate.Length(1, 40),
                         metadata={"description": 'Selling unit, e.g. "1근 (600g)", "1kg", "한 봉지"'})
    price = won(required=True, metadata={"description": "Price in won (KRW, integer)"})
    stock = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(0, MAX_STOCK),
                           metadata={"description": "Units in stock; null when the stall does not track stock"})
    available = fields.Boolean(load_default=True)
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 50))
    image_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                           validate=validate.Length(max=500))
    max_per_order = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 99))
    sold_out = fields.Boolean(dump_only=True)
    stall_name = fields.String(attribute="stall.name", dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class ProductUpdateSchema(ProductSchema):
    """Partial update: only the fields sent change."""


class StallProductQueryArgsSchema(BaseSchema):
    available = fields.Boolean()
    category = fields.String(validate=validate.Length(1, 50))


class ProductSearchArgsSchema(BaseSchema):
    q = fields.String(validate=validate.Length(1, 50),
                      metadata={"description": "Korean text; initial consonants work too (ㄷㅈㄱㄱ, 돼ㅈ)"})
    category = fields.String(validate=validate.Length(1, 50))
    stall_id = fields.Integer()
