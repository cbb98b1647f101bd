using System.Collections;
using System.Reflection;
using PureHDF;

namespace Neuromorphic.Simulator.Export;

/// <summary>
/// Refuses an HDF5 file that reaches outside itself, before any dataset's data is read. HDF5 lets a file name
/// other files in three ways, and PureHDF follows all three silently: an external link (a link message of type 64,
/// resolved by opening the named file while a group's children are listed), external raw-data storage (a dataset
/// with an External Data Files message, read from the named file, so that any readable local file could become
/// weights, or a named pipe hang the reader), and a virtual dataset (its data mapped from datasets, possibly in other
/// files). User-defined links (types 65-255) may mean anything, and soft links, though confined to the file, are
/// resolved by PureHDF recursively, so that a soft link to itself overflows the stack and kills the process; NIR
/// files use none of these, so all are refused.
/// <para>PureHDF 2.2.0 resolves links while it lists a group's children and has no public way to list links
/// without resolving them, so the link messages (compact, dense and old-style symbol tables) are read through its
/// internal decoders by reflection. If those members are missing (another PureHDF version), every file is refused
/// with a message saying so: the check fails closed. HostileInputTests and NirHostileStorageTests hold this.</para>
/// </summary>
public static class HdfConfinement
{
    const BindingFlags Members = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;

    /// <summary>Walks every group reachable from <paramref name="root"/>; throws naming the first object that reaches
    /// outside the file (or is a link of any kind but hard).</summary>
    public static void Check(IH5Group root, string path)
    {
        int objects = 0;
        try { Group(root, path, "", 0, ref objects); }
        catch (MissingMemberException e)
        {
            throw new NeuromorphicException($"{path}: cannot check that the file stays within itself with this PureHDF "
                + $"version ({e.Message}); refusing it");
        }
    }

    static void Group(IH5Group g, string path, string at, int depth, ref int objects)
    {
        if (depth > NirFile.MaxDepth) throw new NeuromorphicException($"{path}: groups nested deeper than {NirFile.MaxDepth} at '{Text.Escape(at)}'");
        foreach (var (name, type) in Links(g))
        {
            if (++objects > NirFile.MaxObjects) throw new NeuromorphicException($"{path}: more than {NirFile.MaxObjects} objects");
            string? kind = type switch
            {
                0 => null,
                1 => "a soft link",
                64 => "an external link (to an object in another file)",
                _ => $"a user-defined link (type {type})",
            };
            if (kind != null)
                throw new NeuromorphicException($"{path}: '{Text.Escape($"{at}/{name}")}' is {kind}; import reads only groups and "
                    + $"datasets stored in the file itself");
        }
        // Every link is hard now, so listing the children opens nothing but this file.
        foreach (var child in g.Children())
        {
            string where = $"{at}/{child.Name}";
            if (child is IH5Group sub) Group(sub, path, where, depth + 1, ref objects);
            else if (child is IH5Dataset d) Dataset(d, path, where);
        }
    }

    static void Dataset(IH5Dataset d, string path, string where)
    {
        if (d.Layout.Class == H5DataLayoutClass.VirtualStorage)
            throw new NeuromorphicException($"{path}: dataset '{Text.Escape(where)}' is a virtual dataset (its data is mapped from other datasets, "
                + $"possibly in other files); import reads only data stored in the file itself");
        if (Property(d, "InternalExternalFileList") is not null)
            throw new NeuromorphicException($"{path}: dataset '{Text.Escape(where)}' declares external raw-data storage (its data in other files); "
                + $"import reads only data stored in the file itself");
    }

    /// <summary>The name and link type (0 hard, 1 soft, 64 external, 65-255 user-defined) of every link in the group,
    /// read from its link messages (compact storage in the object header, dense storage in a fractal heap) or its
    /// symbol table (old-style groups: hard links, and soft links marked by their scratch pad).</summary>
    static IEnumerable<(string Name, int Type)> Links(IH5Group g)
    {
        var header = Property(g, "Header") ?? throw new MissingMemberException("NativeObject.Header is null");
        var messages = (IEnumerable)(Property(header, "HeaderMessages") ?? throw new MissingMemberException("ObjectHeader.HeaderMessages is null"));
        var symbolTables = new List<object>();
        var scratch = Field(g, "_scratchPad");
        if (scratch != null) symbolTables.Add(scratch);
        foreach (var m in messages)
        {
            var data = Property(m, "Data");
            switch (data?.GetType().Name)
            {
                case "LinkMessage":
                    yield return Link(data);
                    break;
                case "LinkInfoMessage":
                    var superblock = Property(Property(g, "Context")!, "Superblock")!;
                    var address = (ulong)Property(data, "BTree2NameIndexAddress")!;
                    if (!(bool)Invoke(superblock, "IsUndefinedAddress", address)!)
                        foreach (var lm in (IEnumerable)Invoke(g, "EnumerateLinkMessagesFromLinkInfoMessage", data)!)
                            yield return Link(lm);
                    break;
                case "SymbolTableMessage" when scratch == null:
                    symbolTables.Add(data);
                    break;
            }
        }
        foreach (var table in symbolTables)
        {
            var getTree = Method(table, "GetBTree1");
            var decodeKey = Delegate.CreateDelegate(getTree.GetParameters()[0].ParameterType, g, Method(g, "DecodeGroupKey"));
            var tree = getTree.Invoke(table, [decodeKey]);
            var heap = Property(table, "LocalHeap")!;
            foreach (var node in (IEnumerable)Invoke(g, "EnumerateSymbolTableNodes", tree)!)
                foreach (var entry in (IEnumerable)Property(node, "GroupEntries")!)
                {
                    var name = (string)Invoke(heap, "GetObjectName", Property(entry, "LinkNameOffset"))!;
                    yield return (name, Property(entry, "ScratchPad")?.GetType().Name == "SymbolicLinkScratchPad" ? 1 : 0);
                }
        }
    }

    static (string, int) Link(object linkMessage)
        => ((string)Property(linkMessage, "LinkName")!, Convert.ToInt32(Property(linkMessage, "LinkType")));

    static MethodInfo Method(object o, string name)
    {
        for (var t = o.GetType(); t != null; t = t.BaseType)
            if (t.GetMethod(name, Members | BindingFlags.DeclaredOnly) is { } m) return m;
        throw new MissingMemberException(o.GetType().Name, name);
    }

    static object? Invoke(object o, string name, params object?[] args)
    {
        try { return Method(o, name).Invoke(o, args); }
        catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
    }

    static object? Property(object o, string name)
    {
        for (var t = o.GetType(); t != null; t = t.BaseType)
            if (t.GetProperty(name, Members | BindingFlags.DeclaredOnly) is { } p)
            {
                try { return p.GetValue(o); }
                catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
            }
        throw new MissingMemberException(o.GetType().Name, name);
    }

    static object? Field(object o, string name)
    {
        for (var t = o.GetType(); t != null; t = t.BaseType)
            if (t.GetField(name, Members | BindingFlags.DeclaredOnly) is { } f) return f.GetValue(o);
        throw new MissingMemberException(o.GetType().Name, name);
    }
}
