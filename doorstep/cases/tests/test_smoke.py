def test_lifecycle(make_case, personas, materials, frozen):
    from doorstep.cases.actions import do_accept, do_receive_materials, do_transition

    case = make_case("notice")
    assert case.status == "awaiting_materials"
    do_receive_materials(
        case,
        actor=personas.clerk_a,
        provided=[materials.disability.pk, materials.form.pk, materials.proof.pk],
    )
    case.refresh_from_db()
    do_accept(case, actor=personas.clerk_a)
    case.refresh_from_db()
    print(case.status, case.due_on, case.warn_on, case.trips, case.receipt)
    do_transition(case, "forward", actor=personas.clerk_a)
    do_transition(case, "approve", actor=personas.reviewer)
    do_transition(case, "complete", actor=personas.clerk_a)
    case.refresh_from_db()
    print([(e.kind, e.verb, e.from_status, e.to_status) for e in case.events.all()])
    print(list(case.documents.values_list("kind", flat=True)))
    assert case.status == "completed"
