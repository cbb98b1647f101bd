namespace Neuromorphic.Cli;

/// <summary>`neuromorphic devices`: the accelerators ILGPU sees, and the native CPU path.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var c = new Command("devices", "list the accelerators ILGPU sees, and the native CPU path");
        Add(c, JsonOpt);
        c.SetAction(r => Guard(() =>
        {
            var list = Backends.ListDevices();
            foreach (var (backend, name, detail) in list) Output.Line($"{backend,-10} {name}  ({detail})");
            bool cuda = list.Any(d => d.Backend == "cuda");
            Output.Line($"--backend auto uses: {(cuda ? "cuda" : "cpu")}");
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["devices"] = list.Select(d => new Dictionary<string,
                        string>
                    { ["backend"] = d.Backend, ["name"] = d.Name, ["detail"] = d.Detail }).ToList(),
                    ["auto"] = cuda ? "cuda" : "cpu",
                });
            return 0;
        }));
        return c;
    }
}
