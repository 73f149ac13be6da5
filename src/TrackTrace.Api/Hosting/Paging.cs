namespace TrackTrace.Api.Hosting;

/// <summary>?page=&amp;pageSize= of the staff lists: 1-based pages, 50 items unless asked otherwise.</summary>
public readonly record struct Paging(int Page, int Size)
{
    /// <summary>How deep offset paging may go; past it a filter narrows the list better than paging does.</summary>
    public const int MaxItemsSkipped = 1_000_000;

    public int Skip => (Page - 1) * Size;

    /// <summary>Reads the query values, adding what is wrong to <paramref name="errors"/>.</summary>
    public static Paging Read(int? page, int? pageSize, int maxSize, IDictionary<string, string[]> errors)
    {
        var paging = new Paging(page ?? 1, pageSize ?? 50);
        if (paging.Size < 1 || paging.Size > maxSize)
        {
            errors["pageSize"] = [$"between 1 and {maxSize}"];
            return new Paging(1, 1);
        }

        var maxPage = MaxItemsSkipped / paging.Size + 1;
        if (paging.Page < 1 || paging.Page > maxPage)
        {
            errors["page"] = [$"between 1 and {maxPage} for pageSize {paging.Size}; filter the list to reach older items"];
            return new Paging(1, 1);
        }

        return paging;
    }
}
