"""The signed-in user's notification inbox."""

from flask.views import MethodView

from market_app.core import uow
from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.pagination import SelectPage
from market_app.notifications import services
from market_app.notifications.schemas import InboxQueryArgsSchema, MarkedReadSchema, NotificationSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="The signed-in user's notifications")


@blp.route("/me/notifications")
class Inbox(MethodView):
    decorators = [login_required]

    @blp.arguments(InboxQueryArgsSchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self, args):
        """The signed-in user's notifications, newest first (?unread=true: the unread ones, counted in X-Pagination)"""
        return services.inbox_query(signed_in_user(), args.get("unread"))


@blp.route("/me/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
@blp.response(200, NotificationSchema)
@blp.errors(401, 404)
def mark_read(notification_id):
    """Mark one of the signed-in user's notifications read"""
    notification = services.mark_read(signed_in_user(), notification_id)
    uow.commit()
    return notification


@blp.route("/me/notifications/read-all", methods=["POST"])
@login_required
@blp.response(200, MarkedReadSchema)
@blp.errors(401)
def mark_all_read():
    """Mark every notification of the signed-in user read"""
    user = signed_in_user()
    marked = services.mark_all_read(user)
    uow.commit()
    return {"marked": marked, "unread": services.unread_count(user)}
