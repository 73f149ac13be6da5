namespace TrackTrace.Domain.Decisions;

/// <summary>What kind of "no" a rule gave, so the API maps every refusal to a status in one place.</summary>
public enum RefusalKind
{
    /// <summary>The command itself is malformed: which fields, and what is accepted (400).</summary>
    Invalid,

    /// <summary>The caller did not prove who it is, e.g. a wrong enrollment token (401).</summary>
    Unauthenticated,

    /// <summary>The caller may not do this (403).</summary>
    Forbidden,

    /// <summary>What the command names does not exist (404).</summary>
    NotFound,

    /// <summary>The state does not allow it now (409).</summary>
    Conflict,

    /// <summary>Well-formed, but it names something unusable (422).</summary>
    Unprocessable,
}

/// <summary>
/// A rule's refusal: a stable code (the problem type's slug), a title, a human detail that says what
/// to do next, and for <see cref="RefusalKind.Invalid"/> the fields that were wrong.
/// </summary>
public sealed record Refusal(
    RefusalKind Kind,
    string Code,
    string Title,
    string Detail,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    IReadOnlyDictionary<string, object?>? Facts = null)
{
    public static Refusal Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(RefusalKind.Invalid, "invalid-request", "The request is not valid",
            string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join("; ", e.Value)}.")), errors);

    public static Refusal Invalid(string field, string problem) =>
        Invalid(new Dictionary<string, string[]> { [field] = [problem] });
}

/// <summary>
/// What a decider answered: the new facts (none when nothing changes, e.g. a retry) or a refusal.
/// </summary>
public sealed record Decision(IReadOnlyList<object> Events, Refusal? Refusal)
{
    public static readonly Decision Unchanged = new([], null);

    public static Decision Of(params object[] events) => new(events, null);

    public static Decision Refuse(Refusal refusal) => new([], refusal);

    /// <summary>A refusal that is itself a fact worth keeping (e.g. a refused enrollment, for the audit).</summary>
    public static Decision Refuse(Refusal refusal, params object[] recorded) => new(recorded, refusal);

    public bool Refused => Refusal is not null;
}
