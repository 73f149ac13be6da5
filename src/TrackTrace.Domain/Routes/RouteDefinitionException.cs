namespace TrackTrace.Domain.Routes;

/// <summary>
/// One thing wrong in a workflow file. <see cref="Field"/> is a path such as
/// <c>legs[2].type</c> (0-based indexes, as in the YAML list).
/// </summary>
public sealed record RouteDefinitionProblem(string File, string Field, string Problem, int? Line = null, int? Column = null)
{
    public override string ToString() =>
        Line is { } line
            ? $"{File}: {Field}: {Problem} (line {line}, column {Column})"
            : $"{File}: {Field}: {Problem}";
}

/// <summary>
/// The workflow files cannot be loaded. Carries every problem found; <see cref="File"/>,
/// <see cref="Field"/> and <see cref="Problem"/> describe the first one, and the message lists
/// them all, one a line, so a start-up failure tells the operator everything to fix at once.
/// </summary>
public sealed class RouteDefinitionException : Exception
{
    public RouteDefinitionException(IReadOnlyList<RouteDefinitionProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<RouteDefinitionProblem> Problems { get; }

    public string File => Problems[0].File;

    public string Field => Problems[0].Field;

    public string Problem => Problems[0].Problem;

    private static string Describe(IReadOnlyList<RouteDefinitionProblem> problems)
    {
        if (problems.Count == 0)
        {
            throw new ArgumentException("At least one problem is needed.", nameof(problems));
        }

        return string.Join(Environment.NewLine, problems);
    }
}
