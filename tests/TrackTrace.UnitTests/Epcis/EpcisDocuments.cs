using System.Text.Json;

namespace TrackTrace.UnitTests.Epcis;

/// <summary>The test documents in tests/epcis-documents, copied next to the tests.</summary>
public static class EpcisDocuments
{
    public static string Folder(string kind) => Path.Combine(AppContext.BaseDirectory, "epcis-documents", kind);

    public static string Text(string kind, string name) => File.ReadAllText(Path.Combine(Folder(kind), name));

    public static JsonElement Parse(string kind, string name) => JsonDocument.Parse(Text(kind, name)).RootElement.Clone();

    public static TheoryData<string> Names(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder(kind)).Order())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    public static TheoryData<string> Valid => Names("valid");

    public static TheoryData<string> Invalid => Names("invalid");
}
