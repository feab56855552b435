from django.urls import path

from shanzhi.cases import views as v
from shanzhi.core.urls_helpers import crud_paths

app_name = "cases"
urlpatterns = [
    path("", v.CaseList.as_view(), name="case_list"),
    path("desk/", v.DeskQueueView.as_view(), name="desk"),
    path("new/", v.CaseCreate.as_view(), name="case_add"),
    path("<int:pk>/", v.CaseDetail.as_view(), name="case_detail"),
    path("<int:pk>/act/", v.CaseTransitionView.as_view(), name="case_transition"),
    path("caller-history/", v.CallerHistoryView.as_view(), name="caller_history"),
    path("<int:pk>/caller-history/", v.CallerHistoryView.as_view(), name="case_caller_history"),
    path("attachments/<int:pk>/", v.AttachmentView.as_view(), name="attachment"),
    path("rates/", v.RatesView.as_view(), name="rates"),
    path("import/", v.CaseImportView.as_view(), name="import"),
    path("import/template/", v.CaseImportTemplateView.as_view(), name="import_template"),
    path("routing-models/", v.RoutingModelsView.as_view(), name="routing_models"),
    *crud_paths(
        "categories",
        "category",
        list_view=v.CategoryList,
        detail_view=v.CategoryDetail,
        create_view=v.CategoryCreate,
        update_view=v.CategoryUpdate,
        delete_view=v.CategoryDelete,
    ),
    *crud_paths(
        "keyword-rules",
        "keywordrule",
        list_view=v.KeywordRuleList,
        detail_view=v.KeywordRuleDetail,
        create_view=v.KeywordRuleCreate,
        update_view=v.KeywordRuleUpdate,
        delete_view=v.KeywordRuleDelete,
    ),
    # Public (no login)
    path("submit/", v.PublicSubmitView.as_view(), name="public_submit"),
    path("submit/suggest/", v.PublicSuggestView.as_view(), name="public_suggest"),
    path("track/", v.PublicTrackView.as_view(), name="public_track"),
    path("track/<str:code>/", v.PublicCaseView.as_view(), name="public_case"),
    path("track/<str:code>/rate/", v.PublicRateView.as_view(), name="public_rate"),
]
