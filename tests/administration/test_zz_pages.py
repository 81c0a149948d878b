from django.urls import reverse


def test_pages(client, small_set, cycle, assessment, admin_user):
    client.force_login(admin_user)
    node = small_set.indicators.get(code="1.1.2")
    urls = [
        reverse("administration:index"),
        reverse("administration:set_list"),
        reverse("administration:set_detail", args=[small_set.pk]),
        reverse("administration:set_clone", args=[small_set.pk]),
        reverse("administration:set_report", args=[small_set.pk]),
        reverse("administration:set_diff", args=[small_set.pk]),
        reverse("administration:set_import", args=[small_set.pk]),
        reverse("administration:set_export", args=[small_set.pk]),
        reverse("administration:node_edit", args=[node.pk]),
        reverse("administration:node_add", args=[small_set.pk]) + f"?cha={node.parent_id}",
        reverse("administration:unit_list"),
        reverse("administration:unit_edit", args=[assessment.unit_id]),
        reverse("administration:cycle_list"),
        reverse("administration:cycle_detail", args=[cycle.pk]),
        reverse("administration:user_list"),
        reverse("administration:user_detail", args=[admin_user.pk]),
        reverse("administration:audit_list"),
        reverse("administration:audit_list") + "?object_type=Cycle&date_from=2020-01-01",
        "/",
    ]
    for u in urls:
        r = client.get(u)
        print(u, r.status_code)
        assert r.status_code in (200, 302), (u, r.content[:3000])
