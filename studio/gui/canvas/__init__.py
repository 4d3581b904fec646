"""The node canvas: GraphView -> GraphScene -> NodeItem / PortItem / EdgeItem / GroupItem."""
