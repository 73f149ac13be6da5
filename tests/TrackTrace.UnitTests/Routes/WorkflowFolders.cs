namespace TrackTrace.UnitTests.Routes;

/// <summary>Where the shipped workflows live, and scratch folders for bad ones.</summary>
internal static class WorkflowFolders
{
    /// <summary>The repository's <c>workflows/</c>, found next to TrackTrace.sln above the test binaries.</summary>
    public static string Shipped { get; } = FindShipped();

    private static string FindShipped()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TrackTrace.sln")))
            {
                return Path.Combine(directory.FullName, "workflows");
            }
        }

        throw new InvalidOperationException($"No TrackTrace.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>
/// A throw-away <c>workflows/</c> folder holding the shipped station types, for writing route
/// files the catalog should accept or refuse.
/// </summary>
internal sealed class ScratchWorkflows : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"tracktrace-routes-{Guid.NewGuid():N}");

    public ScratchWorkflows(bool withStationTypes = true)
    {
        Directory = System.IO.Directory.CreateDirectory(Path.Combine(_root, "workflows")).FullName;
        if (withStationTypes)
        {
            File.Copy(Path.Combine(WorkflowFolders.Shipped, "station-types.yaml"), Path.Combine(Directory, "station-types.yaml"));
        }
    }

    public string Directory { get; }

    public ScratchWorkflows With(string fileName, string yaml)
    {
        File.WriteAllText(Path.Combine(Directory, fileName), yaml);
        return this;
    }

    public void Dispose() => System.IO.Directory.Delete(_root, recursive: true);
}
