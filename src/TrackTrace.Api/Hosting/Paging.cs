namespace TrackTrace.Api.Hosting;

/// <summary>?page=&amp;pageSize= of the staff lists: 1-based pages, 50 items unless asked otherwise.</summary>
public readonly record struct Paging(int Page, int Size)
{
    public int Skip => (Page - 1) * Size;

    /// <summary>Reads the query values, adding what is wrong to <paramref name="errors"/>.</summary>
    public static Paging Read(int? page, int? pageSize, int maxSize, IDictionary<string, string[]> errors)
    {
        var paging = new Paging(page ?? 1, pageSize ?? 50);
        if (paging.Page < 1)
        {
            errors["page"] = ["1 or more"];
        }

        if (paging.Size < 1 || paging.Size > maxSize)
        {
            errors["pageSize"] = [$"between 1 and {maxSize}"];
        }

        return paging;
    }
}
