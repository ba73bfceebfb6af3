"""Dashboard query arguments and the figures they answer with (field names of DESIGN.md kept as they are)."""

from datetime import date

from marshmallow import fields, validate

from market_app.core.schemas import BaseSchema, DateRangeSchema

# Wide enough for any real period, narrow enough that "the period before" never leaves the calendar.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_in_calendar = validate.Range(min=FIRST_DAY, max=LAST_DAY)


class PeriodArgsSchema(DateRangeSchema):
    """from/to: local days of the market, inclusive, at most 366 days; default the last 30 days."""

    from_ = fields.Date(data_key="from", validate=_in_calendar,
                        metadata={"description": "First local day (market timezone); default 29 days before 'to'"})
    to = fields.Date(validate=_in_calendar, metadata={"description": "Last local day, inclusive; default today"})


class MerchantArgsSchema(PeriodArgsSchema):
    low_stock_below = fields.Integer(load_default=5, validate=validate.Range(1, 100_000),
                                     metadata={"description": "Products with stock below this are listed"})


class DaySheetArgsSchema(BaseSchema):
    date = fields.Date(validate=_in_calendar, metadata={"description": "The local day; default today"})


_changes = fields.Dict(keys=fields.String(), values=fields.Raw(),
                       metadata={"description": "Each figure's {previous, change, percent}, in the figure's shape"})


class ShownPeriodSchema(BaseSchema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class SalesSchema(BaseSchema):
    gross = fields.Integer()
    refunds = fields.Integer()
    net = fields.Integer()
    commission = fields.Integer()
    payout = fields.Integer(metadata={"description": "net - commission: what the stall earns on this period"})


class OrdersSchema(BaseSchema):
    count = fields.Integer(metadata={"description": "Stall orders paid in the period"})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "Those stall orders by their status now"})


class MerchantDaySchema(BaseSchema):
    date = fields.Date()
    orders = fields.Integer()
    gross = fields.Integer()
    refunds = fields.Integer()
    net = fields.Integer()


class TopProductSchema(BaseSchema):
    product_id = fields.Integer()
    name = fields.String()
    quantity = fields.Integer()
    gross = fields.Integer()


class LowStockSchema(BaseSchema):
    product_id = fields.Integer()
    stall_id = fields.Integer()
    name = fields.String()
    stock = fields.Integer()


class LiveSessionFigureSchema(BaseSchema):
    id = fields.Integer()
    title = fields.String(allow_none=True)
    orders = fields.Integer()
    gross = fields.Integer()


class CountGrossSchema(BaseSchema):
    count = fields.Integer()
    gross = fields.Integer()


class PayoutStateSchema(BaseSchema):
    pending = fields.Integer(metadata={"description": "Net of the period's sales not yet paid to the stall"})
    paid = fields.Integer(metadata={"description": "Net of the period's sales in a paid payout"})


class StallFigureSchema(BaseSchema):
    stall_id = fields.Integer()
    name = fields.String()
    gross = fields.Integer()
    refunds = fields.Integer()
    net = fields.Integer()


class MerchantDashboardSchema(BaseSchema):
    stall_id = fields.Integer(allow_none=True, metadata={"description": "null on the owner's all-stalls dashboard"})
    stall_ids = fields.List(fields.Integer())
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    previous = fields.Nested(ShownPeriodSchema)
    sales = fields.Nested(SalesSchema)
    orders = fields.Nested(OrdersSchema)
    by_day = fields.List(fields.Nested(MerchantDaySchema))
    top_products = fields.List(fields.Nested(TopProductSchema))
    low_stock_below = fields.Integer()
    low_stock = fields.List(fields.Nested(LowStockSchema))
    live_sessions = fields.List(fields.Nested(LiveSessionFigureSchema))
    in_person = fields.Nested(CountGrossSchema)
    payouts = fields.Nested(PayoutStateSchema)
    stalls = fields.List(fields.Nested(StallFigureSchema))
    changes = _changes


class MarketDaySchema(BaseSchema):
    date = fields.Date()
    orders = fields.Integer()
    gmv = fields.Integer()
    refunds = fields.Integer()
    net = fields.Integer()


class TopStallSchema(BaseSchema):
    stall_id = fields.Integer()
    name = fields.String()
    orders = fields.Integer()
    gmv = fields.Integer()


class CategorySchema(BaseSchema):
    category = fields.String()
    gmv = fields.Integer()
    share = fields.Float(allow_none=True)


class DeliveryFiguresSchema(BaseSchema):
    delivered = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    failed = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class LiveFiguresSchema(BaseSchema):
    sessions = fields.Integer()
    gmv = fields.Integer()
    share = fields.Float(allow_none=True)


class StallCountsSchema(BaseSchema):
    online = fields.Integer(metadata={"description": "Active stalls with at least one product on sale"})
    total = fields.Integer()


class MarketDashboardSchema(BaseSchema):
    market_id = fields.Integer()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    previous = fields.Nested(ShownPeriodSchema)
    gmv = fields.Integer()
    refunds = fields.Integer()
    net = fields.Integer()
    orders = fields.Integer()
    shoppers = fields.Integer()
    returning_shoppers = fields.Integer()
    returning_rate = fields.Float(allow_none=True)
    average_order = fields.Integer()
    commission = fields.Integer()
    in_person = fields.Nested(CountGrossSchema)
    by_day = fields.List(fields.Nested(MarketDaySchema))
    top_stalls = fields.List(fields.Nested(TopStallSchema))
    by_category = fields.List(fields.Nested(CategorySchema))
    delivery = fields.Nested(DeliveryFiguresSchema)
    live = fields.Nested(LiveFiguresSchema)
    stalls = fields.Nested(StallCountsSchema)
    changes = _changes


class SheetItemSchema(BaseSchema):
    name = fields.String()
    unit = fields.String()
    quantity = fields.Integer()


class SheetOrderSchema(BaseSchema):
    stall_order_id = fields.Integer()
    order_id = fields.Integer()
    status = fields.String()
    fulfillment = fields.String()
    paid_at = fields.DateTime()
    subtotal = fields.Integer()
    note = fields.String(allow_none=True)
    items = fields.List(fields.Nested(SheetItemSchema))


class SheetSlotSchema(BaseSchema):
    slot_start = fields.DateTime(allow_none=True, metadata={"description": "null: pickup at the stall"})
    label = fields.String()
    orders = fields.List(fields.Nested(SheetOrderSchema))


class SheetDaySchema(BaseSchema):
    date = fields.Date()
    sales = fields.Integer()
    gross = fields.Integer()
    refunds = fields.Integer()
    net = fields.Integer()
    commission = fields.Integer()
    payout = fields.Integer()


class ExpectedPayoutSchema(BaseSchema):
    amount = fields.Integer(metadata={"description": "What the next payout run pays for sales handed over so far"})
    sales = fields.Integer()


class DailySheetSchema(BaseSchema):
    stall_id = fields.Integer()
    stall_name = fields.String()
    market_name = fields.String()
    date = fields.Date()
    to_hand_over = fields.List(fields.Nested(SheetSlotSchema))
    yesterday = fields.Nested(SheetDaySchema)
    expected_payout = fields.Nested(ExpectedPayoutSchema)
