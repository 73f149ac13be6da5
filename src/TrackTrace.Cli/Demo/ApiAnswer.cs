using System.Net;
using System.Text.Json;

namespace TrackTrace.Cli.Demo;

/// <summary>What the service answered: status, media type and the JSON body (problem+json for a refusal).</summary>
internal sealed record ApiAnswer(HttpStatusCode Status, string? MediaType, JsonElement Body, string Raw)
{
    public const string ProblemTypeBase = "https://tracktrace.dev/problems/";

    public bool IsProblem => MediaType == "application/problem+json";

    public string? ProblemType => Text("type");

    /// <summary>The last part of the problem type, e.g. <c>out-of-sequence</c>.</summary>
    public string? ProblemSlug =>
        ProblemType is { } type && type.StartsWith(ProblemTypeBase, StringComparison.Ordinal) ? type[ProblemTypeBase.Length..] : ProblemType;

    public string? Detail => Text("detail");

    public int Code => (int)Status;

    public string? Text(string property) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public bool? Flag(string property) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    public double? Number(string property) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : null;

    /// <summary>One line for a person: <c>409 out-of-sequence: detail</c>, or the status and the start of the body.</summary>
    public string Describe() => IsProblem
        ? $"{Code} {ProblemSlug}: {Detail}"
        : $"{Code} {Status}{(Raw.Length == 0 ? "" : ": " + (Raw.Length > 300 ? Raw[..300] + "..." : Raw))}";
}

/// <summary>An answer the demo plans for: a status and, for a refusal, its problem type.</summary>
internal readonly record struct Expected(HttpStatusCode Status, string? Problem = null)
{
    public static Expected Ok => new(HttpStatusCode.OK);

    public static Expected Created => new(HttpStatusCode.Created);

    public static Expected Conflict(string problem) => new(HttpStatusCode.Conflict, problem);

    public bool Matches(ApiAnswer answer) =>
        answer.Status == Status && (Problem is null ? !answer.IsProblem : answer.IsProblem && answer.ProblemSlug == Problem);

    public override string ToString() => Problem is null ? $"{(int)Status}" : $"{(int)Status} {Problem}";
}
