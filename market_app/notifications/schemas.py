"""Notification schemas."""

from marshmallow import fields

from market_app.core.fields import QueryBoolean
from market_app.core.schemas import BaseSchema


class NotificationSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    data = fields.Dict(metadata={"description": "Ids to open what it is about, e.g. {order_id: 12}"})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxQueryArgsSchema(BaseSchema):
    unread = QueryBoolean(metadata={"description": "true: only unread; false: only read"})


class MarkedReadSchema(BaseSchema):
    marked = fields.Integer(metadata={"description": "How many were unread and are now read"})
    unread = fields.Integer()
